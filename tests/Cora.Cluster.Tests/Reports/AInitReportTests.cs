using System.Text.Json;
using Cora.Cluster.Reports;
using static Cora.Cluster.Tests.Reports.ReportSamples;

namespace Cora.Cluster.Tests.Reports;

/// <summary>A sweep that ran CoRA from both A inits: verdicts and tables never mix them, and the
/// init table shows where each method starts.</summary>
public sealed class AInitReportTests
{
    private static ReportTrial WithInit(ReportTrial trial, string? aInit, double ratio, double start) => trial with
    {
        Row = trial.Row with
        {
            TrialId = $"{trial.Row.TrialId}-{aInit}",
            AInit = aInit,
            Metrics = new Dictionary<string, JsonElement>(trial.Row.Metrics)
            {
                ["init_delta_ratio"] = JsonSerializer.SerializeToElement(ratio),
                ["eval_loss_base"] = JsonSerializer.SerializeToElement(2.5),
                ["eval_loss_init"] = JsonSerializer.SerializeToElement(start),
            },
        },
    };

    // CoRA-FB with Kaiming A₀ predicts badly, with A₀ = 0 well; LoRA (no choice) in between.
    private static SweepData Sweep() => new("s", "a-init", [
        WithInit(Trial("lora", 8, 0, 0, 0.40, 2.0, good: false), null, 0, 2.5),
        WithInit(Trial("lora", 8, 0, 1, 0.40, 2.0, good: false), null, 0, 2.5),
        WithInit(Trial("cora-fb", 8, 5, 0, 0.20, 2.2, good: false), "kaiming", 0.6, 3.4),
        WithInit(Trial("cora-fb", 8, 5, 1, 0.20, 2.2, good: false), "kaiming", 0.8, 3.6),
        WithInit(Trial("cora-fb", 8, 5, 0, 0.50, 1.8, good: true), "zeros", 0, 2.5),
        WithInit(Trial("cora-fb", 8, 5, 1, 0.50, 1.8, good: true), "zeros", 0, 2.5),
    ], resamples: 200);

    [Fact]
    public void A_view_holds_one_init_and_the_methods_without_a_choice()
    {
        var data = Sweep();
        Assert.Equal(["kaiming", "zeros"], data.AInits);
        var zeros = data.View("zeros");
        Assert.Equal(4, zeros.Trials.Count);
        Assert.All(zeros.Group("alpaca", "cora-fb", 8, 5), t => Assert.Equal("zeros", t.Row.AInit));
        Assert.Equal(2, zeros.Group("alpaca", "lora", 8, 0).Count);
    }

    [Fact]
    public void The_results_table_shows_the_init_and_a_verdict_per_init()
    {
        var data = Sweep();
        var text = ResultsTable.Format([.. data.Trials.Select(t => t.Row)], data);
        var lines = text.Split('\n');

        Assert.Contains("a-init", lines[0]);
        Assert.Contains("vs LoRA (ROUGE-L)", lines[0]);
        Assert.Contains("reference", lines.Single(l => l.Contains("lora", StringComparison.Ordinal)));
        // A₀ = 0 repeats every reference where LoRA misses it; Kaiming misses as LoRA does.
        Assert.Contains("better", lines.Single(l => l.Contains("zeros", StringComparison.Ordinal)));
        Assert.Contains("n.s.", lines.Single(l => l.Contains("kaiming", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_init_table_shows_where_each_method_starts()
    {
        var table = Assert.Single(InitTable.Build(Sweep()));
        Assert.Null(table.Omitted);
        var kaiming = table.Rows.Single(r => r.Keys[0] == "cora-fb" && r.Keys[1] == "kaiming");
        Assert.Equal(0.7, kaiming.Cells[0].Statistics!.Mean, 10);
        Assert.Equal(3.5, kaiming.Cells[2].Statistics!.Mean, 10);
        var lora = table.Rows.Single(r => r.Keys[0] == "lora");
        Assert.Equal(("-", 0.0), (lora.Keys[1], lora.Cells[0].Statistics!.Mean));
        Assert.Equal(3, table.Rows.Count);
    }
}
