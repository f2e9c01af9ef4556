using Cora.Training.Scoring;

namespace Cora.Cluster.Reports;

/// <summary>
/// One metric column of the reports: the columns of <see cref="ResultsTable"/>, with the direction
/// that counts as better and the <see cref="PairedBootstrap"/> metric that scores it per example
/// (null: no per-example scores — BERTScore is not in the bootstrap, eval loss is a corpus mean
/// the trial does not record per example — so its verdict is "—").
/// </summary>
public sealed record ReportMetric(string Header, string Key, double Scale, int Decimals, bool LowerIsBetter, string? BootstrapMetric)
{
    public const string EvalLoss = "eval_loss";

    public static readonly IReadOnlyList<ReportMetric> All = [.. ResultsTable.Columns.Select(c => new ReportMetric(
        c.Header, c.Key, c.Scale,
        Decimals: c.Key == EvalLoss ? 4 : 2,
        LowerIsBetter: c.Key == EvalLoss,
        BootstrapMetric: PairedBootstrap.Metrics.Contains(c.Key) ? c.Key : null))];

    /// <summary>The axis label of plots: the header, with the direction for a loss.</summary>
    public string AxisLabel => LowerIsBetter ? $"{Header} (lower is better)" : Scale == 1 ? Header : $"{Header} (×{Scale:0})";
}
