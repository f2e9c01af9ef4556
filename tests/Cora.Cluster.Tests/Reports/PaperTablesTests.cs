using Cora.Cluster.Reports;

namespace Cora.Cluster.Tests.Reports;

public sealed class PaperTablesTests
{
    private static readonly SweepData Data = ReportSamples.Grid();

    private static ReportCell Cell(PaperTable table, string method, int rank, string header) =>
        table.Rows.Single(r => r.Keys[0] == method && r.Keys[1] == rank.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .Cells[table.Columns.ToList().IndexOf(header)];

    [Fact]
    public void Table_2_compares_lora_cora_half_rank_lora_and_full_ft_at_the_main_rank()
    {
        Assert.Equal(8, Data.MainRank("alpaca"));
        var table = PaperTables.Table2(Data, "alpaca");
        Assert.Null(table.Omitted);
        Assert.Equal(
            [["lora", "8", "-", "2"], ["cora-fb", "8", "3", "2"], ["cora-tb", "8", "3", "1"], ["lora", "4", "-", "1"], ["full-ft", "-", "-", "1"]],
            table.Rows.Select(r => r.Keys.ToArray()));
        // cora-fb from 3 sources, rougeL 0.40 and 0.44: mean 42.00; s = 0.028284, half-width = 12.706205 · 0.028284 / √2 = 0.254124.
        var fb = Cell(table, "cora-fb", 8, "ROUGE-L");
        Assert.Equal("42.00 ± 25.41", fb.Statistics!.Format(100, 2));
        // Its predictions repeat the references, LoRA's miss: better, decisively.
        Assert.Equal("better", fb.Verdict.Text);
        Assert.True(fb.Verdict.PValue < 0.01);
        Assert.Equal(Verdict.Reference, Cell(table, "lora", 8, "ROUGE-L").Verdict);
        Assert.Equal("n.s.", Cell(table, "lora", 4, "ROUGE-L").Verdict.Text);   // same predictions as LoRA at 8
        // Eval loss: lower is better, and there are no per-example losses to bootstrap.
        var loss = Cell(table, "cora-fb", 8, "Eval loss");
        Assert.Equal("1.7500 ± 0.6353 · —", loss.Text);
        Assert.Equal("2.0500 ± 0.6353", Cell(table, "lora", 8, "Eval loss").Text);
    }

    [Fact]
    public void Table_1_has_a_row_per_source_count_and_fb_tb_columns_per_metric()
    {
        var table = PaperTables.Table1(Data, "alpaca");
        Assert.Equal(["1", "3"], table.Rows.Select(r => r.Keys[0]));
        Assert.Equal(2 * ReportMetric.All.Count, table.Columns.Count);
        Assert.Equal("ROUGE-1 cora-fb", table.Columns[0]);
        Assert.Equal("41.00 (n=1)", Cell1(table, "1", "ROUGE-L cora-fb").Statistics!.Format(100, 2));
        Assert.Null(Cell1(table, "1", "ROUGE-L cora-tb").Statistics);   // no cora-tb from one source
        Assert.Equal("—", Cell1(table, "1", "ROUGE-L cora-tb").Text);
    }

    private static ReportCell Cell1(PaperTable table, string sources, string header) =>
        table.Rows.Single(r => r.Keys[0] == sources).Cells[table.Columns.ToList().IndexOf(header)];

    [Fact]
    public void Tables_3_and_4_list_ranks_and_the_ablations_that_succeeded()
    {
        var ranks = PaperTables.Table3(Data, "alpaca");
        Assert.Equal([["lora", "4"], ["lora", "8"], ["cora-tb", "8"], ["cora-fb", "8"]], ranks.Rows.Select(r => r.Keys.Take(2).ToArray()));
        var ablations = PaperTables.Table4(Data, "alpaca");
        Assert.Equal(["lora", "cora-fb", "zeros-fb"], ablations.Rows.Select(r => r.Keys[0]));   // ones-fb failed
        Assert.Equal("n.s.", Cell(ablations, "zeros-fb", 8, "ROUGE-L").Verdict.Text);   // answers exactly as badly as LoRA
        Assert.Equal("better", Cell(ablations, "cora-fb", 8, "ROUGE-L").Verdict.Text);
        Assert.Equal("All at rank 8; verdicts against LoRA at rank 8.", ablations.Caption);
    }

    [Fact]
    public void Tables_a_sweep_cannot_fill_are_omitted_with_a_note()
    {
        var loraOnly = new SweepData("s", "lora-only", [ReportSamples.Trial("lora", 8, 0, 0, 0.4, 2.0, good: false)]);
        var tables = PaperTables.Build(loraOnly);
        Assert.Equal(["table1", "table2", "table3", "table4"], tables.Select(t => t.Name));
        Assert.Contains("no cora-fb or cora-tb trial succeeded", tables[0].Omitted);
        Assert.Contains("no rank at which lora and cora-fb/cora-tb both succeeded", tables[1].Omitted);
        Assert.Null(tables[2].Omitted);
        Assert.Contains("no ablation trial", tables[3].Omitted);
        var markdown = TableText.Markdown([tables[1]]);
        Assert.Contains("Table 2. LoRA vs CoRA", markdown);
        Assert.Contains("omitted for alpaca", markdown);
        Assert.Equal("", TableText.Csv([tables[1]]));
    }

    [Fact]
    public void Markdown_and_csv_carry_every_row_and_its_verdicts()
    {
        var table = PaperTables.Table2(Data, "alpaca");
        var markdown = TableText.Markdown([table]);
        Assert.Contains("| cora-fb | 8 | 3 | 2 | ", markdown);
        Assert.Contains("42.00 ± 25.41 · better (p=0.000)", markdown);
        var csv = TableText.Csv([table]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 5, csv.Length);
        var header = csv[0].Split(',');
        var fb = csv[2].Split(',');
        Assert.Equal("cora-fb", fb[1]);
        Assert.Equal(42.0, double.Parse(fb[Array.IndexOf(header, "ROUGE-L")], System.Globalization.CultureInfo.InvariantCulture), 9);
        Assert.Equal("better", fb[Array.IndexOf(header, "ROUGE-L verdict")]);
        Assert.Equal("2", fb[Array.IndexOf(header, "ROUGE-L n")]);
    }
}
