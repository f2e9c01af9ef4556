using System.Globalization;
using MathNet.Numerics.Distributions;

namespace Cora.Cluster.Reports;

/// <summary>
/// A metric over a row's seeds: the mean and the half-width of its two-sided 95% Student-t
/// interval, <c>t(0.975, n−1) · s / √n</c> with the sample standard deviation <c>s</c> (n−1 in the
/// denominator). One seed has no interval: <see cref="HalfWidth"/> is null and the cell says n=1.
/// </summary>
public sealed record SeedStatistics(double Mean, double? HalfWidth, int N)
{
    /// <summary>The statistics of <paramref name="values"/>; null when there are none.</summary>
    public static SeedStatistics? Of(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return null;
        var mean = values.Average();
        if (values.Count == 1) return new SeedStatistics(mean, null, 1);
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return new SeedStatistics(mean, TQuantile975(values.Count - 1) * Math.Sqrt(variance / values.Count), values.Count);
    }

    /// <summary>The 97.5th percentile of Student's t with <paramref name="degreesOfFreedom"/> (12.706 at 1, 2.776 at 4).</summary>
    public static double TQuantile975(int degreesOfFreedom) =>
        degreesOfFreedom >= 1
            ? StudentT.InvCDF(0, 1, degreesOfFreedom, 0.975)
            : throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "needs at least one degree of freedom");

    /// <summary>"mean ± half-width", or "mean (n=1)", both ×<paramref name="scale"/> with <paramref name="decimals"/> decimals.</summary>
    public string Format(double scale, int decimals)
    {
        var format = "F" + decimals.ToString(CultureInfo.InvariantCulture);
        var mean = (Mean * scale).ToString(format, CultureInfo.InvariantCulture);
        return HalfWidth is { } h ? $"{mean} ± {(h * scale).ToString(format, CultureInfo.InvariantCulture)}" : $"{mean} (n=1)";
    }
}
