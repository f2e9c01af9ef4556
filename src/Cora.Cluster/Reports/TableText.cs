using System.Globalization;
using System.Text;

namespace Cora.Cluster.Reports;

/// <summary>A paper table (all datasets of one table name) as Markdown and as CSV.</summary>
public static class TableText
{
    /// <summary>One section per dataset; an omitted table is its one-line note.</summary>
    public static string Markdown(IReadOnlyList<PaperTable> tables)
    {
        var text = new StringBuilder();
        text.AppendLine($"# {tables[0].Title}").AppendLine();
        foreach (var table in tables)
        {
            text.AppendLine($"## {table.Dataset}").AppendLine();
            if (table.Omitted is { } note)
            {
                text.AppendLine(note).AppendLine();
                continue;
            }
            text.AppendLine(table.Caption).AppendLine();
            var headers = table.KeyHeaders.Concat(table.Columns).ToList();
            text.AppendLine("| " + string.Join(" | ", headers.Select(Cell)) + " |");
            text.AppendLine("|" + string.Concat(headers.Select((_, i) => i < table.KeyHeaders.Count ? "---|" : "---:|")));
            foreach (var row in table.Rows)
                text.AppendLine("| " + string.Join(" | ", row.Keys.Concat(row.Cells.Select(c => c.Text)).Select(Cell)) + " |");
            text.AppendLine();
        }
        text.AppendLine("Cells: mean ± half-width of the 95% Student-t interval over seeds (n=1: one seed, no interval); " +
            $"ROUGE, METEOR and BERTScore ×100. Verdict: paired bootstrap against LoRA (same seeds, paired by example id), p < {Verdict.Alpha.ToString(CultureInfo.InvariantCulture)}; " +
            "\"—\" where the metric has no per-example scores (BERTScore, eval loss) or nothing pairs. Lower eval loss is better.");
        return text.ToString();
    }

    /// <summary>One line per row, a column per key, and per metric column its mean, interval half-width, n, verdict and p (values scaled as shown).</summary>
    public static string Csv(IReadOnlyList<PaperTable> tables)
    {
        var filled = tables.Where(t => t.Omitted is null).ToList();
        if (filled.Count == 0) return "";
        var text = new StringBuilder();
        var first = filled[0];
        text.AppendLine(string.Join(',', first.KeyHeaders.Prepend("dataset")
            .Concat(first.Columns.SelectMany(c => new[] { c, $"{c} ci95", $"{c} n", $"{c} verdict", $"{c} p" })).Select(ResultsTable.Csv)));
        foreach (var table in filled)
        {
            foreach (var row in table.Rows)
            {
                var cells = row.Keys.Prepend(table.Dataset).Concat(row.Cells.SelectMany(c => new[]
                {
                    Number(c.Statistics?.Mean * c.Metric.Scale), Number(c.Statistics?.HalfWidth * c.Metric.Scale),
                    c.Statistics?.N.ToString(CultureInfo.InvariantCulture) ?? "", c.Verdict.Text, Number(c.Verdict.PValue),
                }));
                text.AppendLine(string.Join(',', cells.Select(ResultsTable.Csv)));
            }
        }
        return text.ToString();
    }

    private static string Number(double? value) => value?.ToString("R", CultureInfo.InvariantCulture) ?? "";

    private static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal);
}
