namespace Cora.Cluster.Reports;

/// <summary>One cell: a metric's seed statistics (null: no succeeded trial has it) and the verdict against LoRA.</summary>
public sealed record ReportCell(SeedStatistics? Statistics, Verdict Verdict, ReportMetric Metric)
{
    /// <summary>"mean ± half-width · verdict (p)", "—" when there is no value.</summary>
    public string Text => Statistics is null ? "—"
        : Verdict == Verdict.Reference ? Statistics.Format(Metric.Scale, Metric.Decimals)
        : $"{Statistics.Format(Metric.Scale, Metric.Decimals)} · {Verdict}";
}

/// <param name="Keys">The row's labels, one per <see cref="PaperTable.KeyHeaders"/>.</param>
public sealed record PaperTableRow(IReadOnlyList<string> Keys, IReadOnlyList<ReportCell> Cells);

/// <summary>
/// One of the paper's tables for one dataset. <paramref name="Omitted"/> says why a table the sweep
/// cannot fill is left out (then <paramref name="Rows"/> is empty).
/// </summary>
/// <param name="Name">File stem: table1 … table4.</param>
/// <param name="Columns">Header of each cell column, e.g. "ROUGE-1" or "ROUGE-1 cora-fb".</param>
public sealed record PaperTable(
    string Name, string Title, string Dataset, string Caption,
    IReadOnlyList<string> KeyHeaders, IReadOnlyList<string> Columns, IReadOnlyList<PaperTableRow> Rows, string? Omitted = null);
