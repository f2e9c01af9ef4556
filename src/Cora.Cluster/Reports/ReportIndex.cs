using System.Net;
using System.Text;

namespace Cora.Cluster.Reports;

/// <summary>
/// <c>index.html</c>: one self-contained page (inline style, no scripts, no external assets) with
/// the tables inline, each plot as an image linking to its SVG, and links to every Markdown and
/// CSV file. Every piece of text from the sweep is HTML-escaped.
/// </summary>
public static class ReportIndex
{
    public const string FileName = "index.html";

    public static string Html(SweepData data, IReadOnlyList<PaperTable> tables, IReadOnlyList<ReportFigure> figures, SweepChanges? changes,
        IReadOnlyList<string> files)
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine($"<title>Cora report: {E(data.Name)} ({E(data.SweepId)})</title>");
        html.AppendLine("<style>body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}" +
            "td,th{border:1px solid #ccc;padding:3px 6px;font-size:90%}td.n{text-align:right;white-space:nowrap}" +
            "figure{display:inline-block;margin:1em}figcaption{max-width:800px;font-size:90%}.note{color:#666}</style>");
        html.AppendLine("</head><body>");
        html.AppendLine($"<h1>Sweep {E(data.Name)} <code>{E(data.SweepId)}</code></h1>");
        var succeeded = data.Trials.Count(t => t.Succeeded);
        html.AppendLine($"<p>{data.Trials.Count} trials, {succeeded} succeeded, {data.Trials.Count(t => t.Row.Status == "failed")} failed.</p>");
        if (changes is not null)
            html.AppendLine($"<p>Since baseline <code>{E(changes.BaselineId)}</code>: {changes.Added.Count} trial(s) added, {changes.Removed.Count} removed, " +
                $"{changes.StatusChanges.Count} changed status — <a href=\"changes.md\">changes.md</a>, <a href=\"changes.csv\">changes.csv</a>.</p>");

        html.AppendLine("<h2>Tables</h2>");
        foreach (var group in tables.GroupBy(t => t.Name))
        {
            var first = group.First();
            html.AppendLine($"<h3>{E(first.Title)}</h3>");
            html.AppendLine($"<p><a href=\"{first.Name}.md\">{first.Name}.md</a>{(group.Any(t => t.Omitted is null) ? $", <a href=\"{first.Name}.csv\">{first.Name}.csv</a>" : "")}</p>");
            foreach (var table in group) AppendTable(html, table);
        }
        html.AppendLine("<p class=\"note\">Cells: mean ± 95% Student-t half-width over seeds (n=1: one seed); ROUGE, METEOR, BERTScore ×100; " +
            "verdict: paired bootstrap against LoRA. Lower eval loss is better.</p>");

        html.AppendLine("<h2>Plots</h2>");
        if (figures.Count == 0) html.AppendLine("<p class=\"note\">No plot: nothing succeeded that could be drawn.</p>");
        foreach (var figure in figures)
            html.AppendLine($"<figure><a href=\"{E(figure.Stem)}.svg\"><img src=\"{E(figure.Stem)}.png\" width=\"{ReportPlots.Width}\" height=\"{ReportPlots.Height}\" alt=\"{E(figure.Title)}\"></a>" +
                $"<figcaption>{E(figure.Title)}. {E(figure.Caption)} (<a href=\"{E(figure.Stem)}.svg\">SVG</a>)</figcaption></figure>");

        html.AppendLine("<h2>Files</h2><ul>");
        foreach (var file in files) html.AppendLine($"<li><a href=\"{E(file)}\">{E(file)}</a></li>");
        html.AppendLine("</ul></body></html>");
        return html.ToString();
    }

    private static void AppendTable(StringBuilder html, PaperTable table)
    {
        html.AppendLine($"<h4>{E(table.Dataset)}</h4>");
        if (table.Omitted is { } note)
        {
            html.AppendLine($"<p class=\"note\">{E(note)}</p>");
            return;
        }
        html.AppendLine($"<p>{E(table.Caption)}</p><table><tr>");
        foreach (var header in table.KeyHeaders.Concat(table.Columns)) html.Append($"<th>{E(header)}</th>");
        html.AppendLine("</tr>");
        foreach (var row in table.Rows)
        {
            html.Append("<tr>");
            foreach (var key in row.Keys) html.Append($"<td>{E(key)}</td>");
            foreach (var cell in row.Cells) html.Append($"<td class=\"n\">{E(cell.Text)}</td>");
            html.AppendLine("</tr>");
        }
        html.AppendLine("</table>");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
