using Cora.Actors.Coordinator;
using Cora.Cluster.Reports;
using static Cora.Cluster.Tests.Reports.ReportSamples;

namespace Cora.Cluster.Tests.Reports;

public sealed class SweepChangesTests
{
    [Fact]
    public void Added_removed_status_and_metric_changes_between_two_sweeps()
    {
        var baseline = SweepResults.Whole("night-1", [
            Row("lora", 8, 0, 0, 0.40, 2.0),
            Row("cora-fb", 8, 3, 0, 0.42, 1.8),
            Row("zeros-fb", 8, 0, 0, 0.10, 3.0),
        ]);
        var current = SweepResults.Whole("night-2", [
            Row("lora", 8, 0, 0, 0.40, 2.0),
            Row("lora", 8, 0, 1, 0.50, 2.2),   // a seed more
            Row("cora-fb", 8, 3, 0, 0, 0, status: "failed"),
        ]);
        var changes = SweepChanges.Between(baseline, current);
        Assert.Equal(["lora-8-0-1-alpaca"], changes.Added.Select(r => r.TrialId));
        Assert.Equal(["zeros-fb-8-0-0-alpaca"], changes.Removed.Select(r => r.TrialId));
        var status = Assert.Single(changes.StatusChanges);
        Assert.Equal(("cora-fb-8-3-0-alpaca", "succeeded", "failed"), (status.Trial.TrialId, status.Before, status.After));
        // Only LoRA's row has succeeded trials in both: rougeL mean 0.40 → 0.45, eval loss 2.0 → 2.1.
        Assert.All(changes.Deltas, d => Assert.Equal("lora", d.Method));
        Assert.Equal(0.05, changes.Deltas.Single(d => d.Metric.Key == "rougeL").Delta, 12);
        Assert.Equal(0.1, changes.Deltas.Single(d => d.Metric.Key == "eval_loss").Delta, 12);

        var markdown = changes.Markdown();
        Assert.Contains("1 trial(s) added, 1 removed, 1 changed status", markdown);
        Assert.Contains("succeeded → failed — exit code 1", markdown);
        Assert.Contains("| alpaca | lora | 8 | 0 | ROUGE-L | 40.00 | 45.00 | +5 |", markdown);
        var csv = changes.Csv().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1 + 1 + 1 + 1 + ReportMetric.All.Count, csv.Length);
        Assert.Contains("status,cora-fb-8-3-0-alpaca,alpaca,cora-fb,8,3,0,status,succeeded,failed,", csv);
    }
}
