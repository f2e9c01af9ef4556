using System.Globalization;

namespace Cora.Cluster.Reports;

/// <summary>
/// Where each method starts: per dataset, method, A init and rank, the mean over seeds of
/// ‖s·B·A₀‖/‖W‖ (how far the adapters move the base before step 1), the eval loss of the base,
/// at the start and after training. A start far from the base is a handicap the method has to
/// train away; on the tiny zoo, CoRA's Kaiming A₀ is one (‖W_q‖ is a few units, s·√(r/3) is not
/// small beside it), on Llama-2-13B it is not.
/// </summary>
public static class InitTable
{
    public const string Name = "init";
    private const string Title = "Where training starts: ‖s·B·A₀‖/‖W‖ and eval loss at the start";

    public static readonly IReadOnlyList<ReportMetric> Metrics =
    [
        new("‖s·B·A₀‖/‖W‖", "init_delta_ratio", 1, 4, LowerIsBetter: true, BootstrapMetric: null),
        new("Eval loss base", "eval_loss_base", 1, 4, LowerIsBetter: true, BootstrapMetric: null),
        new("Eval loss at start", "eval_loss_init", 1, 4, LowerIsBetter: true, BootstrapMetric: null),
        new("Eval loss after", ReportMetric.EvalLoss, 1, 4, LowerIsBetter: true, BootstrapMetric: null),
    ];

    public static IReadOnlyList<PaperTable> Build(SweepData data) => [.. data.Datasets.Select(d => For(data, d))];

    private static PaperTable For(SweepData data, string dataset)
    {
        var groups = data.Trials
            .Where(t => t.Succeeded && t.Row.Dataset == dataset && t.Metric("init_delta_ratio") is not null)
            .GroupBy(t => (t.Row.Method, t.Row.AInit, t.Row.Rank, t.Row.Sources))
            .OrderBy(g => g.Key.Rank).ThenBy(g => g.Key.Method, StringComparer.Ordinal).ThenBy(g => g.Key.AInit).ThenBy(g => g.Key.Sources)
            .ToList();
        if (groups.Count == 0)
            return new PaperTable(Name, Title, dataset, "", [], [], [],
                $"{Title}: omitted for {dataset} — no trial records its start (result.json files from before eval_loss_init).");
        // Cells carry no verdict (Verdict.Reference shows none): starting points are not results
        // to test against LoRA.
        var rows = groups.Select(g => new PaperTableRow(
            [g.Key.Method, g.Key.AInit ?? "-", Invariant(g.Key.Rank), g.Key.Sources == 0 ? "-" : Invariant(g.Key.Sources), Invariant(g.Count())],
            [.. Metrics.Select(m => new ReportCell(SweepData.Statistics([.. g.OrderBy(t => t.Row.Seed)], m), Verdict.Reference, m))])).ToList();
        return new PaperTable(Name, Title, dataset,
            "Mean ± 95% t half-width over seeds. ‖s·B·A₀‖/‖W‖ is averaged over the adapted projections (0: the method starts at the base). " +
            "A start loss above the base loss is the distance the method first has to undo.",
            ["method", "a-init", "rank", "sources", "seeds"], [.. Metrics.Select(m => m.Header)], rows);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
