using System.Globalization;
using System.Text;
using Cora.Training.Scoring;

namespace Cora.Cluster.Reports;

/// <summary>One comparison behind a claim: A against B, their seed statistics, the pooled paired
/// bootstrap of A − B (null when no seed pairs) and what it says.</summary>
public sealed record ClaimTest(TrialGroup A, TrialGroup B, string Kind, SeedStatistics? AStatistics, SeedStatistics? BStatistics,
    BootstrapComparison? Bootstrap, ClaimOutcome Outcome);

/// <summary>One claim of the paper, tested on one dataset from one A init.</summary>
public sealed record Claim(string Id, string Statement, string Dataset, string AInit, IReadOnlyList<ClaimTest> Tests, string? Note = null)
{
    public ClaimOutcome Outcome => ClaimOutcomes.All([.. Tests.Select(t => t.Outcome)]);
}

/// <summary>
/// The paper's claims (CoRA §5–6) as tests on a sweep, per dataset and A init: C1 cora-fb at r ≈
/// LoRA at r; C2 cora-fb at r beats LoRA at r/2; C3 cora-tb at r beats LoRA at r; C4 CoRA is stable
/// over the number of source models; C5 the extracted basis beats B frozen at zeros, ones and
/// random; C6 the ranks table: at every rank cora-fb ≈ LoRA and cora-tb beats it.
/// </summary>
/// <remarks>
/// Every test is the paired bootstrap of <see cref="SweepData.Compare"/> on ROUGE-L over the
/// examples of all seeds. "Beats": the 95% interval of A − B lies above 0 (holds), below 0 (does
/// not hold), or straddles it (inconclusive). "≈": the interval lies within ±<see cref="Margin"/>
/// (holds), entirely outside it (does not hold), or crosses a bound (inconclusive) — an
/// equivalence test, so "no significant difference" alone never counts as "≈". The main rank is
/// the largest at which LoRA and CoRA both ran; CoRA rows use the most source models run.
/// </remarks>
public static class PaperClaims
{
    /// <summary>Equivalence margin on ROUGE-L (fraction; 0.01 = one point on the paper's ×100 scale).</summary>
    public const double Margin = 0.01;
    public const string MetricKey = "rougeL";
    private const string Beats = "beats";
    private const string Matches = "≈";
    private static readonly string[] Ablations = ["zeros-fb", "ones-fb", "random-fb"];

    public static IReadOnlyList<Claim> Build(SweepData data)
    {
        var inits = data.AInits.Count == 0 ? [SweepData.Kaiming] : data.AInits;
        return [.. inits.SelectMany(init => ForView(data.AInits.Count == 0 ? data : data.View(init), init))];
    }

    private static IEnumerable<Claim> ForView(SweepData data, string init)
    {
        foreach (var dataset in data.Datasets)
        {
            var rank = data.MainRank(dataset);
            TrialGroup Cora(string method, int r) => new(method, r, data.MostSources(dataset, method, r));
            TrialGroup Lora(int r) => new(SweepData.Lora, r, 0);
            IReadOnlyList<ClaimTest> When(bool possible, Func<IEnumerable<ClaimTest>> tests) => possible ? [.. tests()] : [];

            yield return new Claim("C1", "cora-fb at rank r is on par with LoRA at r, with half the trainable parameters", dataset, init,
                When(rank is not null, () => [Test(data, dataset, Cora("cora-fb", rank!.Value), Lora(rank.Value), Matches)]),
                rank is { } r1 ? Parameters(data, dataset, Cora("cora-fb", r1), Lora(r1)) : null);
            yield return new Claim("C2", "cora-fb at rank r beats LoRA at rank r/2", dataset, init,
                When(rank is { } r2 && r2 % 2 == 0 && data.Ranks(dataset, SweepData.Lora).Contains(r2 / 2),
                    () => [Test(data, dataset, Cora("cora-fb", rank!.Value), Lora(rank.Value / 2), Beats)]));
            yield return new Claim("C3", "cora-tb at rank r beats LoRA at r", dataset, init,
                When(rank is not null, () => [Test(data, dataset, Cora("cora-tb", rank!.Value), Lora(rank.Value), Beats)]));
            yield return new Claim("C4", "CoRA's results are stable over 1–5 source models (each count on par with the most)", dataset, init,
                When(rank is not null, () => SweepData.CoraMethods.SelectMany(m =>
                {
                    var counts = data.SourceCounts(dataset, m, rank!.Value);
                    return counts.SkipLast(1).Select(n => Test(data, dataset, new TrialGroup(m, rank.Value, n), new TrialGroup(m, rank.Value, counts[^1]), Matches));
                })));
            var ablationRank = Ablations.SelectMany(m => data.Ranks(dataset, m)).DefaultIfEmpty(0).Max();
            yield return new Claim("C5", "the extracted basis beats B frozen at zeros, ones and random orthonormal columns", dataset, init,
                When(ablationRank > 0 && data.Ranks(dataset, "cora-fb").Contains(ablationRank), () => Ablations
                    .Where(m => data.Ranks(dataset, m).Contains(ablationRank))
                    .Select(m => Test(data, dataset, Cora("cora-fb", ablationRank), new TrialGroup(m, ablationRank, 0), Beats))));
            var ranks = data.Ranks(dataset, SweepData.Lora)
                .Where(r => SweepData.CoraMethods.All(m => data.Ranks(dataset, m).Contains(r))).ToList();
            yield return new Claim("C6", "the ranks table: at every rank cora-fb is on par with LoRA and cora-tb beats it", dataset, init,
                [.. ranks.SelectMany(r => new[]
                {
                    Test(data, dataset, Cora("cora-fb", r), Lora(r), Matches),
                    Test(data, dataset, Cora("cora-tb", r), Lora(r), Beats),
                })]);
        }
    }

    private static ClaimTest Test(SweepData data, string dataset, TrialGroup a, TrialGroup b, string kind)
    {
        var metric = ReportMetric.All.Single(m => m.Key == MetricKey);
        var bootstrap = data.Compare(dataset, a, b, MetricKey);
        var outcome = bootstrap is null ? ClaimOutcome.Untested
            : kind == Beats ? (bootstrap.CiLow > 0 ? ClaimOutcome.Holds : bootstrap.CiHigh < 0 ? ClaimOutcome.DoesNotHold : ClaimOutcome.Inconclusive)
            : bootstrap.CiLow >= -Margin && bootstrap.CiHigh <= Margin ? ClaimOutcome.Holds
            : bootstrap.CiHigh < -Margin || bootstrap.CiLow > Margin ? ClaimOutcome.DoesNotHold
            : ClaimOutcome.Inconclusive;
        return new ClaimTest(a, b, kind,
            SweepData.Statistics(data.Group(dataset, a.Method, a.Rank, a.Sources), metric),
            SweepData.Statistics(data.Group(dataset, b.Method, b.Rank, b.Sources), metric), bootstrap, outcome);
    }

    private static string? Parameters(SweepData data, string dataset, TrialGroup a, TrialGroup b)
    {
        double? Trainable(TrialGroup g) => data.Group(dataset, g.Method, g.Rank, g.Sources).Select(t => t.Metric("trainable_parameters")).FirstOrDefault(v => v is not null);
        return Trainable(a) is { } pa && Trainable(b) is { } pb
            ? $"trainable parameters: {a.Method} {pa:N0}, {b.Method} {pb:N0} ({pa / pb:P0})" : null;
    }

    /// <summary>claims.md: the test stated once, a summary grid, then every claim with its numbers
    /// and a sentence in plain words.</summary>
    public static string Markdown(IReadOnlyList<Claim> claims, string sweepId, string name)
    {
        var md = new StringBuilder();
        md.AppendLine($"# The paper's claims on sweep {name} ({sweepId})");
        md.AppendLine();
        md.AppendLine("Metric: ROUGE-L (×100) on the eval set. Test: paired bootstrap (1000 resamples) over the examples of all seeds pooled, " +
            "each trial paired with the other side's trial of the same seed, examples by id; the difference is A − B with its 95% interval. " +
            $"\"beats\": holds when the interval is above 0, does not hold when it is below 0, inconclusive otherwise. " +
            $"\"≈\" (on par): an equivalence test with a margin of ±{Margin * 100:0.#} ROUGE-L point — holds when the interval lies within the margin, " +
            "does not hold when it lies entirely outside, inconclusive otherwise. A claim of several tests holds when all hold and fails when one fails. " +
            "Means are over seeds ± the 95% Student-t half-width. These are results at tiny-zoo scale (a 0.86M-parameter model), not a statement about Llama-2-13B.");
        md.AppendLine();
        var columns = claims.Select(c => (c.Dataset, c.AInit)).Distinct().ToList();
        md.AppendLine("| claim | " + string.Join(" | ", columns.Select(c => $"{c.Dataset}, A init {c.AInit}")) + " |");
        md.AppendLine("|---|" + string.Concat(columns.Select(_ => "---|")));
        foreach (var id in claims.Select(c => c.Id).Distinct())
        {
            var statement = claims.First(c => c.Id == id).Statement;
            md.AppendLine($"| {id}: {statement} | " + string.Join(" | ", columns.Select(col =>
                claims.FirstOrDefault(c => c.Id == id && (c.Dataset, c.AInit) == col)?.Outcome.Text() ?? "not tested")) + " |");
        }
        foreach (var group in claims.GroupBy(c => (c.AInit, c.Dataset)))
        {
            md.AppendLine();
            md.AppendLine($"## {group.Key.Dataset}, A init {group.Key.AInit}{(group.Key.AInit == SweepData.Kaiming ? " (the paper's)" : "")}");
            foreach (var claim in group)
            {
                md.AppendLine();
                md.AppendLine($"### {claim.Id}: {claim.Statement} — **{claim.Outcome.Text()}**");
                md.AppendLine();
                if (claim.Tests.Count == 0)
                {
                    md.AppendLine("The sweep has no trials for this test.");
                    continue;
                }
                md.AppendLine("| A | test | B | A ROUGE-L | B ROUGE-L | A − B [95% CI] | p | verdict |");
                md.AppendLine("|---|---|---|---:|---:|---:|---:|---|");
                foreach (var t in claim.Tests)
                {
                    md.AppendLine($"| {t.A} | {t.Kind} | {t.B} | {Stat(t.AStatistics)} | {Stat(t.BStatistics)} | " +
                        (t.Bootstrap is { } b ? $"{Points(b.Difference)} [{Points(b.CiLow)}, {Points(b.CiHigh)}] | {b.PValue.ToString("F3", CultureInfo.InvariantCulture)}" : "— | —") +
                        $" | {t.Outcome.Text()} |");
                }
                md.AppendLine();
                foreach (var t in claim.Tests) md.AppendLine($"- {Words(t)}");
                if (claim.Note is not null) md.AppendLine($"- {claim.Note}.");
            }
        }
        return md.ToString();
    }

    /// <summary>One test in plain words: which side is ahead, by how much, and what that means here.</summary>
    public static string Words(ClaimTest t)
    {
        if (t.Bootstrap is not { } b) return $"{t.A} vs {t.B}: no seed ran both, not tested.";
        var side = b.Difference >= 0 ? "above" : "below";
        var gap = $"{t.A} is {(Math.Abs(b.Difference) * 100).ToString("F2", CultureInfo.InvariantCulture)} ROUGE-L points {side} {t.B} (95% interval {Points(b.CiLow)} to {Points(b.CiHigh)})";
        var reading = (t.Kind, t.Outcome) switch
        {
            (Beats, ClaimOutcome.Holds) => "it beats it",
            (Beats, ClaimOutcome.DoesNotHold) => "it is worse, so the claim does not hold",
            (Beats, _) => "the difference could be zero, so this does not show it beats it",
            (_, ClaimOutcome.Holds) => $"within the ±{Margin * 100:0.#}-point margin: on par",
            (_, ClaimOutcome.DoesNotHold) => $"outside the ±{Margin * 100:0.#}-point margin: not on par ({(b.Difference < 0 ? "worse" : "better")})",
            _ => $"the interval crosses the ±{Margin * 100:0.#}-point margin: neither on par nor shown to differ",
        };
        return $"{gap}: {reading}.";
    }

    private static string Stat(SeedStatistics? s) => s?.Format(100, 2) ?? "—";

    private static string Points(double fraction) => (fraction * 100).ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture);
}
