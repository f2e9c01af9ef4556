using System.Globalization;
using Cora.Training.Scoring;

namespace Cora.Cluster.Reports;

/// <summary>
/// A row's standing against LoRA on one metric: "better" or "worse" when the paired bootstrap's
/// p-value is below 0.05 (in the metric's own direction: lower is better for a loss), "n.s." when
/// it is not, "—" when it cannot be computed (no per-example scores for the metric, or no seed
/// that both rows ran), and <see cref="Reference"/> for LoRA's own row.
/// </summary>
public sealed record Verdict(string Text, double? PValue)
{
    public const double Alpha = 0.05;

    public static readonly Verdict Unavailable = new("—", null);

    /// <summary>The row the others are compared with; cells show no verdict.</summary>
    public static readonly Verdict Reference = new("reference", null);

    /// <param name="comparison">This row (A) against LoRA (B).</param>
    public static Verdict From(BootstrapComparison comparison, bool lowerIsBetter)
    {
        if (comparison.PValue >= Alpha || comparison.Difference == 0) return new Verdict("n.s.", comparison.PValue);
        var higher = comparison.Difference > 0;
        return new Verdict(higher != lowerIsBetter ? "better" : "worse", comparison.PValue);
    }

    public override string ToString() =>
        PValue is { } p ? $"{Text} (p={p.ToString("F3", CultureInfo.InvariantCulture)})" : Text;
}
