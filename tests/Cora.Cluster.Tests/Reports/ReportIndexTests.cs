using Cora.Cluster.Reports;

namespace Cora.Cluster.Tests.Reports;

public sealed class ReportIndexTests
{
    [Fact]
    public void The_index_escapes_sweep_text_and_links_tables_plots_and_files()
    {
        var data = new SweepData("s1", "<script>alert(1)</script>", [ReportSamples.Trial("lora", 8, 0, 0, 0.4, 2.0, good: false)]);
        var tables = PaperTables.Build(data);
        var html = ReportIndex.Html(data, tables, [new ReportFigure("rank-alpaca-rougeL", "ROUGE-L vs rank & more", "caption <b>")], null,
            ["table1.md", "table3.csv", "rank-alpaca-rougeL.png"]);
        Assert.DoesNotContain("<script>", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("ROUGE-L vs rank &amp; more", html);
        Assert.Contains("caption &lt;b&gt;", html);
        Assert.Contains("<a href=\"rank-alpaca-rougeL.svg\"><img src=\"rank-alpaca-rougeL.png\"", html);
        Assert.Contains("<a href=\"table3.csv\">table3.csv</a>", html);
        Assert.Contains("omitted for alpaca", html);   // Table 1 without CoRA trials: the note, inline
        Assert.Contains("<td>lora</td>", html);        // Table 3 inline
        Assert.DoesNotContain("changes.md", html);
    }
}
