using System.Globalization;
using System.Text;
using Cora.Actors.Coordinator;

namespace Cora.Cluster.Reports;

/// <summary>A metric of one results row (dataset, method, rank, sources) in the baseline and now.</summary>
public sealed record MetricDelta(string Dataset, string Method, int Rank, int Sources, ReportMetric Metric, double Baseline, double Current)
{
    public double Delta => Current - Baseline;
}

/// <summary>A trial whose status differs between the sweeps (e.g. newly failed).</summary>
public sealed record StatusChange(TrialRow Trial, string Before, string After);

/// <summary>
/// What changed from a baseline sweep to this one: trials added and removed (trial ids are content
/// hashes, so a changed config is a removed and an added trial), status changes of trials both
/// have, and, per results row both have, the change of each metric's mean over succeeded seeds.
/// </summary>
public sealed record SweepChanges(
    string BaselineId, string CurrentId,
    IReadOnlyList<TrialRow> Added, IReadOnlyList<TrialRow> Removed, IReadOnlyList<StatusChange> StatusChanges, IReadOnlyList<MetricDelta> Deltas)
{
    public static SweepChanges Between(SweepResults baseline, SweepResults current)
    {
        var before = baseline.Rows.ToDictionary(r => r.TrialId, StringComparer.Ordinal);
        var now = current.Rows.ToDictionary(r => r.TrialId, StringComparer.Ordinal);
        var deltas = new List<MetricDelta>();
        var oldGroups = Means(baseline.Rows);
        foreach (var (key, means) in Means(current.Rows))
        {
            if (!oldGroups.TryGetValue(key, out var old)) continue;
            foreach (var metric in ReportMetric.All)
                if (old.TryGetValue(metric.Key, out var b) && means.TryGetValue(metric.Key, out var c))
                    deltas.Add(new MetricDelta(key.Dataset, key.Method, key.Rank, key.Sources, metric, b, c));
        }
        return new SweepChanges(baseline.SweepId, current.SweepId,
            [.. current.Rows.Where(r => !before.ContainsKey(r.TrialId))],
            [.. baseline.Rows.Where(r => !now.ContainsKey(r.TrialId))],
            [.. current.Rows.Where(r => before.TryGetValue(r.TrialId, out var b) && b.Status != r.Status).Select(r => new StatusChange(r, before[r.TrialId].Status, r.Status))],
            deltas);
    }

    private static Dictionary<(string Dataset, string Method, int Rank, int Sources), Dictionary<string, double>> Means(IReadOnlyList<TrialRow> rows) =>
        rows.Where(r => r.Status == "succeeded").GroupBy(r => (r.Dataset, r.Method, r.Rank, r.Sources)).ToDictionary(g => g.Key, g =>
            ReportMetric.All
                .Select(m => (m.Key, Values: g.Select(r => ReportTrial.MetricOf(r, m.Key)).OfType<double>().ToList()))
                .Where(m => m.Values.Count > 0).ToDictionary(m => m.Key, m => m.Values.Average()));

    public string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine($"# Changes since sweep {BaselineId}").AppendLine();
        text.AppendLine($"Sweep {CurrentId} against baseline {BaselineId}: {Added.Count} trial(s) added, {Removed.Count} removed, {StatusChanges.Count} changed status.").AppendLine();
        text.AppendLine("## Trials added").AppendLine();
        AppendTrials(text, Added);
        text.AppendLine("## Trials removed").AppendLine();
        AppendTrials(text, Removed);
        text.AppendLine("## Status changes").AppendLine();
        if (StatusChanges.Count == 0) text.AppendLine("None.");
        foreach (var c in StatusChanges) text.AppendLine($"- {c.Trial.TrialId} ({Describe(c.Trial)}): {c.Before} → {c.After}{(c.Trial.Failure is { } f ? $" — {f}" : "")}");
        text.AppendLine().AppendLine("## Metric changes per row (mean over succeeded seeds; ROUGE, METEOR, BERTScore ×100)").AppendLine();
        if (Deltas.Count == 0)
        {
            text.AppendLine("No results row is in both sweeps.");
            return text.ToString();
        }
        text.AppendLine("| dataset | method | rank | sources | metric | baseline | now | change |");
        text.AppendLine("|---|---|---|---|---|---:|---:|---:|");
        foreach (var d in Deltas)
        {
            var f = "F" + d.Metric.Decimals.ToString(CultureInfo.InvariantCulture);
            text.AppendLine($"| {d.Dataset} | {d.Method} | {d.Rank} | {d.Sources} | {d.Metric.Header} | {(d.Baseline * d.Metric.Scale).ToString(f, CultureInfo.InvariantCulture)} | " +
                $"{(d.Current * d.Metric.Scale).ToString(f, CultureInfo.InvariantCulture)} | {(d.Delta * d.Metric.Scale).ToString("+0.####;-0.####;0", CultureInfo.InvariantCulture)} |");
        }
        return text.ToString();
    }

    /// <summary>One line per change: <c>change</c> is added, removed, status or metric.</summary>
    public string Csv()
    {
        var text = new StringBuilder("change,trial_id,dataset,method,rank,sources,seed,metric,baseline,current,delta\n");
        void Line(params string[] cells) => text.AppendLine(string.Join(',', cells.Select(ResultsTable.Csv)));
        string I(int v) => v.ToString(CultureInfo.InvariantCulture);
        string D(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        foreach (var r in Added) Line("added", r.TrialId, r.Dataset, r.Method, I(r.Rank), I(r.Sources), I(r.Seed), "", "", r.Status, "");
        foreach (var r in Removed) Line("removed", r.TrialId, r.Dataset, r.Method, I(r.Rank), I(r.Sources), I(r.Seed), "", r.Status, "", "");
        foreach (var c in StatusChanges) Line("status", c.Trial.TrialId, c.Trial.Dataset, c.Trial.Method, I(c.Trial.Rank), I(c.Trial.Sources), I(c.Trial.Seed), "status", c.Before, c.After, "");
        foreach (var d in Deltas) Line("metric", "", d.Dataset, d.Method, I(d.Rank), I(d.Sources), "", d.Metric.Key, D(d.Baseline), D(d.Current), D(d.Delta));
        return text.ToString();
    }

    private static void AppendTrials(StringBuilder text, IReadOnlyList<TrialRow> rows)
    {
        if (rows.Count == 0) text.AppendLine("None.");
        foreach (var r in rows) text.AppendLine($"- {r.TrialId} ({Describe(r)}): {r.Status}");
        text.AppendLine();
    }

    private static string Describe(TrialRow r) =>
        $"{r.Dataset} {r.Method} r={r.Rank}{(r.Sources > 0 ? $" sources={r.Sources}" : "")} seed={r.Seed}";
}
