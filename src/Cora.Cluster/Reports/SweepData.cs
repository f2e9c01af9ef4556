using Cora.Actors.Coordinator;
using Cora.Training.Generation;
using Cora.Training.Scoring;

namespace Cora.Cluster.Reports;

/// <summary>
/// A sweep's trials as the report sees them: grouped by (dataset, method, rank, sources), with the
/// seed statistics of a group and its paired-bootstrap verdict against LoRA. Pure: the trials
/// (and their predictions) are loaded by the caller.
/// </summary>
/// <remarks>
/// The verdict pools a group's seeds: each seed is paired with LoRA's trial of the same seed, and
/// within it each example with the same example id (ids are made "seed/id"), so one bootstrap
/// answers for the whole row. Seeds one side lacks are left out.
/// </remarks>
public sealed class SweepData(string sweepId, string name, IReadOnlyList<ReportTrial> trials, int resamples = 1000)
{
    public const string Lora = "lora";
    public const string Kaiming = "kaiming";
    public static readonly IReadOnlyList<string> CoraMethods = ["cora-fb", "cora-tb"];

    private readonly Dictionary<(string, string, int, int, string, int), Verdict> _verdicts = [];

    public string SweepId { get; } = sweepId;
    public string Name { get; } = name;
    public IReadOnlyList<ReportTrial> Trials { get; } = trials;

    /// <summary>Bootstrap resamples per verdict.</summary>
    public int Resamples { get; } = resamples;

    public IReadOnlyList<string> Datasets => [.. Trials.Select(t => t.Row.Dataset).Distinct()];

    /// <summary>The A inits the sweep ran (kaiming first), for the methods that have the choice;
    /// empty when none of its trials has one.</summary>
    public IReadOnlyList<string> AInits => [.. Trials.Select(t => t.Row.AInit).OfType<string>().Distinct().OrderBy(a => a == Kaiming ? 0 : 1)];

    /// <summary>
    /// The sweep as if it had run one A init: the trials with that init and those of methods that
    /// have no choice (LoRA, full-ft, …), so that groups, verdicts and plots never mix two inits.
    /// </summary>
    public SweepData View(string aInit) =>
        new(SweepId, Name, [.. Trials.Where(t => t.Row.AInit is null || t.Row.AInit == aInit)], Resamples);

    /// <summary>The succeeded trials of one group, by seed.</summary>
    public IReadOnlyList<ReportTrial> Group(string dataset, string method, int rank, int sources) =>
        [.. Trials.Where(t => t.Succeeded && t.Row.Dataset == dataset && t.Row.Method == method && t.Row.Rank == rank && t.Row.Sources == sources)
            .OrderBy(t => t.Row.Seed)];

    /// <summary>Ranks at which <paramref name="method"/> succeeded on <paramref name="dataset"/>, increasing.</summary>
    public IReadOnlyList<int> Ranks(string dataset, string method) =>
        [.. Trials.Where(t => t.Succeeded && t.Row.Dataset == dataset && t.Row.Method == method).Select(t => t.Row.Rank).Distinct().Order()];

    /// <summary>Source counts at which <paramref name="method"/> succeeded at <paramref name="rank"/>, increasing.</summary>
    public IReadOnlyList<int> SourceCounts(string dataset, string method, int rank) =>
        [.. Trials.Where(t => t.Succeeded && t.Row.Dataset == dataset && t.Row.Method == method && t.Row.Rank == rank).Select(t => t.Row.Sources).Distinct().Order()];

    /// <summary>The grid's main rank: the largest at which LoRA and a CoRA method both succeeded; null if none.</summary>
    public int? MainRank(string dataset)
    {
        var lora = Ranks(dataset, Lora);
        var shared = CoraMethods.SelectMany(m => Ranks(dataset, m)).Where(lora.Contains).ToList();
        return shared.Count > 0 ? shared.Max() : null;
    }

    /// <summary>The most source models <paramref name="method"/> used at <paramref name="rank"/> (the paper's FB_5/TB_5), or 0.</summary>
    public int MostSources(string dataset, string method, int rank) => SourceCounts(dataset, method, rank).DefaultIfEmpty(0).Max();

    public static SeedStatistics? Statistics(IReadOnlyList<ReportTrial> group, ReportMetric metric) =>
        SeedStatistics.Of([.. group.Select(t => t.Metric(metric.Key)).OfType<double>()]);

    /// <summary>The group against LoRA at <paramref name="loraRank"/> on <paramref name="metric"/>;
    /// <see cref="Verdict.Reference"/> for LoRA's own row, <see cref="Verdict.Unavailable"/> where nothing can be paired.</summary>
    public Verdict VersusLora(string dataset, string method, int rank, int sources, ReportMetric metric, int loraRank)
    {
        if (method == Lora && rank == loraRank) return Verdict.Reference;
        if (metric.BootstrapMetric is null) return Verdict.Unavailable;
        var key = (dataset, method, rank, sources, metric.Key, loraRank);
        if (_verdicts.TryGetValue(key, out var known)) return known;
        var comparison = Compare(dataset, new TrialGroup(method, rank, sources), new TrialGroup(Lora, loraRank, 0), metric.BootstrapMetric);
        return _verdicts[key] = comparison is null ? Verdict.Unavailable : Verdict.From(comparison, metric.LowerIsBetter);
    }

    /// <summary>
    /// Group <paramref name="a"/> against group <paramref name="b"/> on a per-example metric: each
    /// seed of A paired with B's trial of the same seed, examples by id, all seeds pooled into one
    /// paired bootstrap (difference A − B with its 95% interval). Null when no seed pairs.
    /// </summary>
    public BootstrapComparison? Compare(string dataset, TrialGroup a, TrialGroup b, string bootstrapMetric)
    {
        var others = Group(dataset, b.Method, b.Rank, b.Sources).Where(t => t.Predictions is not null).ToDictionary(t => t.Row.Seed);
        var pairs = Group(dataset, a.Method, a.Rank, a.Sources).Where(t => t.Predictions is not null && others.ContainsKey(t.Row.Seed)).ToList();
        return pairs.Count == 0 ? null
            : PairedBootstrap.Compare(Pooled(pairs), Pooled([.. pairs.Select(t => others[t.Row.Seed])]), bootstrapMetric, Resamples, seed: 0);
    }

    private static List<Prediction> Pooled(IReadOnlyList<ReportTrial> trials) =>
        [.. trials.SelectMany(t => t.Predictions!.Select(p => p with { Id = $"{t.Row.Seed}/{p.Id}" }))];
}
