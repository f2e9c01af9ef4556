using System.Globalization;

namespace Cora.Cluster.Reports;

/// <summary>
/// The paper's four tables (sections 5–6) built from a sweep, per dataset:
/// Table 1 — source count × FB/TB at the main rank; Table 2 — LoRA vs CoRA-FB/TB at the main rank,
/// LoRA at half that rank, full fine-tuning; Table 3 — LoRA/TB/FB at every rank; Table 4 — the
/// ablations (B frozen at zeros, ones, random; PiSSA and MiCA when the grid has them) against
/// CoRA-FB and LoRA. CoRA rows use the most source models run (the paper's FB_5/TB_5). Every
/// verdict is against LoRA at the row's rank, except Table 2's LoRA-r/2 and full-ft rows, which
/// are against LoRA at the main rank (what they are the alternatives to).
/// </summary>
public static class PaperTables
{
    public static readonly IReadOnlyList<string> Ablations = ["zeros-fb", "ones-fb", "random-fb", "pissa", "mica-fb"];
    private const string FullFineTune = "full-ft";

    public static IReadOnlyList<PaperTable> Build(SweepData data) =>
        [.. data.Datasets.SelectMany(d => new[] { Table1(data, d), Table2(data, d), Table3(data, d), Table4(data, d) })];

    public static PaperTable Table1(SweepData data, string dataset)
    {
        const string title = "Table 1. Number of source models × FB/TB";
        var rank = data.MainRank(dataset) ?? SweepData.CoraMethods.SelectMany(m => data.Ranks(dataset, m)).DefaultIfEmpty().Max();
        var counts = SweepData.CoraMethods.SelectMany(m => data.SourceCounts(dataset, m, rank)).Distinct().Order().ToList();
        var columns = ReportMetric.All.SelectMany(metric => SweepData.CoraMethods.Select(m => (metric, m))).ToList();
        if (counts.Count == 0)
            return Omit("table1", title, dataset, "no cora-fb or cora-tb trial succeeded");
        var rows = counts.Select(n => new PaperTableRow([Invariant(n)],
            [.. columns.Select(c => Cell(data, dataset, c.m, rank, n, c.metric, rank))])).ToList();
        return new PaperTable("table1", title, dataset,
            $"CoRA at rank {rank}, basis from n source models; verdicts against LoRA at rank {rank} (same seeds, paired by example).",
            ["sources"], [.. columns.Select(c => $"{c.metric.Header} {c.m}")], rows);
    }

    public static PaperTable Table2(SweepData data, string dataset)
    {
        const string title = "Table 2. LoRA vs CoRA at the same rank, LoRA at half rank, full fine-tuning";
        if (data.MainRank(dataset) is not { } rank)
            return Omit("table2", title, dataset, "no rank at which lora and cora-fb/cora-tb both succeeded");
        var rows = new List<(string Method, int Rank, int Sources)> { (SweepData.Lora, rank, 0) };
        rows.AddRange(SweepData.CoraMethods.Where(m => data.Ranks(dataset, m).Contains(rank)).Select(m => (m, rank, data.MostSources(dataset, m, rank))));
        if (rank % 2 == 0 && data.Ranks(dataset, SweepData.Lora).Contains(rank / 2)) rows.Add((SweepData.Lora, rank / 2, 0));
        if (data.Ranks(dataset, FullFineTune).Count > 0) rows.Add((FullFineTune, 0, 0));
        return MethodTable("table2", title, dataset,
            $"Main rank {rank} (the largest at which LoRA and CoRA both ran); verdicts against LoRA at rank {rank}.", data, rows, _ => rank);
    }

    public static PaperTable Table3(SweepData data, string dataset)
    {
        const string title = "Table 3. LoRA, CoRA-TB and CoRA-FB at each rank";
        string[] methods = [SweepData.Lora, "cora-tb", "cora-fb"];
        var ranks = methods.SelectMany(m => data.Ranks(dataset, m)).Distinct().Order().ToList();
        if (ranks.Count == 0) return Omit("table3", title, dataset, "no lora, cora-tb or cora-fb trial succeeded");
        var rows = ranks.SelectMany(r => methods.Where(m => data.Ranks(dataset, m).Contains(r))
            .Select(m => (m, r, m == SweepData.Lora ? 0 : data.MostSources(dataset, m, r)))).ToList();
        return MethodTable("table3", title, dataset, "Verdicts against LoRA at the row's rank.", data, rows, row => row.Rank);
    }

    public static PaperTable Table4(SweepData data, string dataset)
    {
        const string title = "Table 4. Ablations: what B is frozen at";
        var present = Ablations.Where(m => data.Ranks(dataset, m).Count > 0).ToList();
        if (present.Count == 0) return Omit("table4", title, dataset, $"no ablation trial ({string.Join(", ", Ablations)}) succeeded");
        var rank = present.SelectMany(m => data.Ranks(dataset, m)).Max();
        var rows = new List<(string Method, int Rank, int Sources)>();
        if (data.Ranks(dataset, SweepData.Lora).Contains(rank)) rows.Add((SweepData.Lora, rank, 0));
        if (data.Ranks(dataset, "cora-fb").Contains(rank)) rows.Add(("cora-fb", rank, data.MostSources(dataset, "cora-fb", rank)));
        rows.AddRange(present.Where(m => data.Ranks(dataset, m).Contains(rank)).Select(m => (m, rank, 0)));
        return MethodTable("table4", title, dataset, $"All at rank {rank}; verdicts against LoRA at rank {rank}.", data, rows, _ => rank);
    }

    private static PaperTable MethodTable(string name, string title, string dataset, string caption, SweepData data,
        IReadOnlyList<(string Method, int Rank, int Sources)> rows, Func<(string Method, int Rank, int Sources), int> loraRank) =>
        new(name, title, dataset, caption, ["method", "rank", "sources", "seeds"], [.. ReportMetric.All.Select(m => m.Header)],
            [.. rows.Select(r => new PaperTableRow(
                [r.Method, r.Rank == 0 ? "-" : Invariant(r.Rank), r.Sources == 0 ? "-" : Invariant(r.Sources), Invariant(data.Group(dataset, r.Method, r.Rank, r.Sources).Count)],
                [.. ReportMetric.All.Select(m => Cell(data, dataset, r.Method, r.Rank, r.Sources, m, loraRank(r)))]))]);

    private static ReportCell Cell(SweepData data, string dataset, string method, int rank, int sources, ReportMetric metric, int loraRank) =>
        new(SweepData.Statistics(data.Group(dataset, method, rank, sources), metric),
            data.VersusLora(dataset, method, rank, sources, metric, loraRank), metric);

    private static PaperTable Omit(string name, string title, string dataset, string why) =>
        new(name, title, dataset, "", [], [], [], $"{title}: omitted for {dataset} — {why} in this sweep.");

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
