using Cora.Cluster.Reports;
using Cora.Training.Generation;
using static Cora.Cluster.Tests.Reports.ReportSamples;

namespace Cora.Cluster.Tests.Reports;

public sealed class PaperClaimsTests
{
    // Predictions that repeat the reference on the examples the filter picks and miss it elsewhere.
    private static ReportTrial Partly(string method, int rank, int sources, int seed, Func<int, bool> right) =>
        new(Row(method, rank, sources, seed, 0.5, 1.0), null, [.. Enumerable.Range(0, 20).Select(i =>
        {
            var reference = $"the cat number {i} sat on the mat and looked at the door";
            return new Prediction($"e{i}", right(i) ? reference : "dog", reference);
        })], null);

    private static Claim Find(IReadOnlyList<Claim> claims, string id) => claims.Single(c => c.Id == id);

    /// <summary>CoRA answers every example, LoRA and zeros-fb none: CoRA beats them by far.</summary>
    private static SweepData CoraAhead() => new("s", "claims", [
        Trial("lora", 8, 0, 0, 0.1, 2, good: false), Trial("lora", 8, 0, 1, 0.1, 2, good: false),
        Trial("lora", 4, 0, 0, 0.1, 2, good: false), Trial("lora", 4, 0, 1, 0.1, 2, good: false),
        Trial("cora-fb", 8, 1, 0, 0.9, 1, good: true), Trial("cora-fb", 8, 1, 1, 0.9, 1, good: true),
        Trial("cora-fb", 8, 3, 0, 0.9, 1, good: true), Trial("cora-fb", 8, 3, 1, 0.9, 1, good: true),
        Trial("cora-tb", 8, 3, 0, 0.9, 1, good: true), Trial("cora-tb", 8, 3, 1, 0.9, 1, good: true),
        Trial("zeros-fb", 8, 0, 0, 0.1, 2, good: false), Trial("zeros-fb", 8, 0, 1, 0.1, 2, good: false),
    ], resamples: 200);

    [Fact]
    public void Beating_claims_hold_and_on_par_fails_when_cora_is_far_ahead()
    {
        var claims = PaperClaims.Build(CoraAhead());

        Assert.Equal(["C1", "C2", "C3", "C4", "C5", "C6"], claims.Select(c => c.Id));
        Assert.All(claims, c => Assert.Equal(("alpaca", "kaiming"), (c.Dataset, c.AInit)));
        // On par needs the interval inside ±1 point; CoRA is 100 points ahead.
        Assert.Equal(ClaimOutcome.DoesNotHold, Find(claims, "C1").Outcome);
        var c2 = Assert.Single(Find(claims, "C2").Tests);
        Assert.Equal((new TrialGroup("cora-fb", 8, 3), new TrialGroup("lora", 4, 0), ClaimOutcome.Holds), (c2.A, c2.B, c2.Outcome));
        Assert.Equal(ClaimOutcome.Holds, Find(claims, "C3").Outcome);
        // 1 source against 3 (the most): identical answers, on par.
        var c4 = Assert.Single(Find(claims, "C4").Tests);
        Assert.Equal((new TrialGroup("cora-fb", 8, 1), new TrialGroup("cora-fb", 8, 3), ClaimOutcome.Holds), (c4.A, c4.B, c4.Outcome));
        var c5 = Assert.Single(Find(claims, "C5").Tests);
        Assert.Equal(("zeros-fb", ClaimOutcome.Holds), (c5.B.Method, c5.Outcome));
        Assert.Equal([ClaimOutcome.DoesNotHold, ClaimOutcome.Holds], Find(claims, "C6").Tests.Select(t => t.Outcome));
        Assert.Equal(ClaimOutcome.DoesNotHold, Find(claims, "C6").Outcome);
        Assert.Contains("better", PaperClaims.Words(Find(claims, "C1").Tests[0]));
    }

    [Fact]
    public void Identical_answers_are_on_par_and_do_not_beat()
    {
        var data = new SweepData("s", "claims", [
            Trial("lora", 8, 0, 0, 0.5, 1, good: true), Trial("cora-fb", 8, 5, 0, 0.5, 1, good: true),
            Trial("cora-tb", 8, 5, 0, 0.5, 1, good: true),
        ], resamples: 200);
        var claims = PaperClaims.Build(data);

        Assert.Equal(ClaimOutcome.Holds, Find(claims, "C1").Outcome);
        Assert.Equal(ClaimOutcome.Inconclusive, Find(claims, "C3").Outcome);
        Assert.Equal(ClaimOutcome.Untested, Find(claims, "C2").Outcome);
        Assert.Equal(ClaimOutcome.Untested, Find(claims, "C5").Outcome);
        Assert.Contains("could be zero", PaperClaims.Words(Find(claims, "C3").Tests[0]));
    }

    [Fact]
    public void Answers_right_on_different_examples_leave_both_kinds_of_test_inconclusive()
    {
        var data = new SweepData("s", "claims", [
            Partly("lora", 8, 0, 0, i => i % 2 == 0), Partly("cora-fb", 8, 5, 0, i => i % 2 == 1),
            Partly("cora-tb", 8, 5, 0, i => i % 2 == 1),
        ], resamples: 200);
        var claims = PaperClaims.Build(data);

        var c1 = Assert.Single(Find(claims, "C1").Tests);
        Assert.Equal(0, c1.Bootstrap!.Difference, 10);
        Assert.True(c1.Bootstrap.CiLow < -PaperClaims.Margin && c1.Bootstrap.CiHigh > PaperClaims.Margin);
        Assert.Equal(ClaimOutcome.Inconclusive, c1.Outcome);
        Assert.Equal(ClaimOutcome.Inconclusive, Find(claims, "C3").Outcome);
    }

    [Fact]
    public void Claims_are_tested_per_a_init_and_written_with_a_summary()
    {
        static ReportTrial Init(ReportTrial t, string aInit) => t with { Row = t.Row with { TrialId = t.Row.TrialId + aInit, AInit = aInit } };
        var data = new SweepData("s1", "claims", [
            Trial("lora", 8, 0, 0, 0.5, 1, good: false),
            Init(Trial("cora-fb", 8, 5, 0, 0.5, 1, good: false), "kaiming"),
            Init(Trial("cora-fb", 8, 5, 0, 0.5, 1, good: true), "zeros"),
        ], resamples: 200);
        var claims = PaperClaims.Build(data);

        Assert.Equal(ClaimOutcome.Holds, claims.Single(c => c.Id == "C1" && c.AInit == "kaiming").Outcome);
        Assert.Equal(ClaimOutcome.DoesNotHold, claims.Single(c => c.Id == "C1" && c.AInit == "zeros").Outcome);
        var md = PaperClaims.Markdown(claims, data.SweepId, data.Name);
        Assert.Contains("| claim | alpaca, A init kaiming | alpaca, A init zeros |", md);
        Assert.Contains("| C1: cora-fb at rank r is on par with LoRA at r, with half the trainable parameters | holds | does not hold |", md);
        Assert.Contains("## alpaca, A init zeros", md);
        Assert.Contains("margin of ±1 ROUGE-L point", md);
    }
}
