using System.Text.RegularExpressions;
using Cora.Training.Basis;
using ScottPlot;
using static TorchSharp.torch;

namespace Cora.Cluster.Reports;

/// <summary>A plot written as <c>{Stem}.png</c> and <c>{Stem}.svg</c>.</summary>
public sealed record ReportFigure(string Stem, string Title, string Caption);

/// <summary>
/// The report's plots (ScottPlot, PNG and SVG): each metric against rank for LoRA/CoRA-FB/CoRA-TB
/// with 95% intervals as error bars; each metric against the number of source models; the basis
/// spectrum (explained energy against the number of singular values, the paper's Figure 4); and
/// the training-loss curve of one seed of each method at the main rank.
/// </summary>
public static partial class ReportPlots
{
    public const int Width = 800;
    public const int Height = 500;
    private static readonly string[] RankMethods = [SweepData.Lora, "cora-fb", "cora-tb"];

    /// <summary>Each method keeps its colour across plots.</summary>
    private static readonly string[] ColorOrder = [.. RankMethods, .. PaperTables.Ablations, "full-ft"];
    private static readonly ScottPlot.Palettes.Category10 Palette = new();

    private static Color ColorOf(string method) => Palette.GetColor(Math.Max(0, Array.IndexOf(ColorOrder, method)));

    public static IReadOnlyList<ReportFigure> Write(SweepData data, string directory, TextWriter log)
    {
        var figures = new List<ReportFigure>();
        foreach (var dataset in data.Datasets)
        {
            foreach (var metric in ReportMetric.All)
            {
                if (MetricVsRank(data, dataset, metric, directory) is { } byRank) figures.Add(byRank);
                if (MetricVsSources(data, dataset, metric, directory) is { } bySources) figures.Add(bySources);
            }
            if (TrainingLoss(data, dataset, directory) is { } loss) figures.Add(loss);
        }
        if (Spectrum(data, directory, log) is { } spectrum) figures.Add(spectrum);
        return figures;
    }

    public static ReportFigure? MetricVsRank(SweepData data, string dataset, ReportMetric metric, string directory)
    {
        var plot = new Plot();
        var any = false;
        foreach (var method in RankMethods)
        {
            var points = data.Ranks(dataset, method)
                .Select(r => (Rank: r, Stats: SweepData.Statistics(data.Group(dataset, method, r, method == SweepData.Lora ? 0 : data.MostSources(dataset, method, r)), metric)))
                .Where(p => p.Stats is not null).ToList();
            if (points.Count == 0) continue;
            any = true;
            AddSeries(plot, method, [.. points.Select(p => (double)p.Rank)], [.. points.Select(p => p.Stats!)], metric.Scale);
        }
        if (!any) return null;
        IntegerTicks(plot, data.Trials.Where(t => t.Succeeded && t.Row.Dataset == dataset && RankMethods.Contains(t.Row.Method)).Select(t => t.Row.Rank));
        return Save(plot, directory, $"rank-{Slug(dataset)}-{metric.Key}", $"{metric.Header} vs rank ({dataset})", "rank r", metric.AxisLabel,
            "Mean over seeds; error bars: 95% Student-t interval. CoRA with the most source models run.");
    }

    public static ReportFigure? MetricVsSources(SweepData data, string dataset, ReportMetric metric, string directory)
    {
        var rank = data.MainRank(dataset) ?? SweepData.CoraMethods.SelectMany(m => data.Ranks(dataset, m)).DefaultIfEmpty().Max();
        var plot = new Plot();
        var any = false;
        foreach (var method in SweepData.CoraMethods)
        {
            var points = data.SourceCounts(dataset, method, rank)
                .Select(n => (Sources: n, Stats: SweepData.Statistics(data.Group(dataset, method, rank, n), metric)))
                .Where(p => p.Stats is not null).ToList();
            if (points.Count == 0) continue;
            any = true;
            AddSeries(plot, method, [.. points.Select(p => (double)p.Sources)], [.. points.Select(p => p.Stats!)], metric.Scale);
        }
        if (!any) return null;
        IntegerTicks(plot, SweepData.CoraMethods.SelectMany(m => data.SourceCounts(dataset, m, rank)));
        return Save(plot, directory, $"sources-{Slug(dataset)}-{metric.Key}", $"{metric.Header} vs number of source models ({dataset}, r={rank})",
            "source models in the basis", metric.AxisLabel, "Mean over seeds; error bars: 95% Student-t interval.");
    }

    public static ReportFigure? TrainingLoss(SweepData data, string dataset, string directory)
    {
        var rank = data.MainRank(dataset) ?? data.Trials.Where(t => t.Succeeded && t.Row.Dataset == dataset).Select(t => t.Row.Rank).DefaultIfEmpty().Max();
        var curves = data.Trials
            .Where(t => t.Succeeded && t.Row.Dataset == dataset && (t.Row.Rank == rank || t.Row.Rank == 0) && t.TrainLosses is { Count: > 0 })
            .GroupBy(t => t.Row.Method)
            .Select(g => g.OrderByDescending(t => t.Row.Sources).ThenBy(t => t.Row.Seed).First())
            .ToList();
        if (curves.Count == 0) return null;
        var plot = new Plot();
        foreach (var trial in curves)
        {
            var losses = trial.TrainLosses!;
            var line = plot.Add.ScatterLine([.. Enumerable.Range(1, losses.Count).Select(i => (double)i)], losses.ToArray());
            line.Color = ColorOf(trial.Row.Method);
            line.LegendText = trial.Row.Sources > 0 ? $"{trial.Row.Method} ({trial.Row.Sources} sources)" : trial.Row.Method;
            line.LineWidth = 2;
        }
        return Save(plot, directory, $"train-loss-{Slug(dataset)}", $"Training loss per step ({dataset}, r={rank})", "step", "training loss",
            $"One seed (the lowest) of each method at rank {rank} (full fine-tuning has no rank); CoRA with the most source models.");
    }

    /// <summary>Figure 4: per basis file, the cumulative fraction Σ_{i≤k} σ_i² / Σ σ² averaged over
    /// the file's layers and blocks. Files from before the total energy was recorded are normalised
    /// by their own top-R sum instead, and the caption says so.</summary>
    public static ReportFigure? Spectrum(SweepData data, string directory, TextWriter log)
    {
        var bases = data.Trials.Where(t => t.Succeeded && t.BasisPath is not null)
            .GroupBy(t => t.BasisPath!, StringComparer.Ordinal)
            .Select(g => (Path: g.Key, Sources: g.Max(t => t.Row.Sources)))
            .OrderBy(b => b.Sources).ToList();
        var plot = new Plot();
        var relative = false;
        var any = false;
        foreach (var (path, sources) in bases)
        {
            if (!File.Exists(path))
            {
                log.WriteLine($"cora report: basis {path} is not reachable from here; left out of the spectrum");
                continue;
            }
            var (fractions, exact) = ExplainedEnergy(path);
            relative |= !exact;
            any = true;
            var line = plot.Add.ScatterLine([.. Enumerable.Range(1, fractions.Length).Select(i => (double)i)], fractions);
            line.LegendText = $"{sources} source model{(sources == 1 ? "" : "s")}{(exact ? "" : " (relative to top R)")}";
            line.LineWidth = 2;
        }
        if (!any) return null;
        plot.Axes.SetLimitsY(0, 1.05);
        var caption = "Cumulative explained energy Σσ²(top k) / Σσ²(all) of the common basis, averaged over layers.";
        if (relative) caption += " Some basis files predate the recorded total energy: their curves are normalised by the sum of their own top-R singular values, so they reach 1 at R by construction.";
        return Save(plot, directory, "spectrum", "Basis spectrum: explained energy vs number of singular values", "singular values k", "explained energy", caption);
    }

    /// <summary>The averaged cumulative energy fractions of a basis file, and whether they are exact (total energy recorded).</summary>
    public static (double[] Fractions, bool Exact) ExplainedEnergy(string basisPath)
    {
        using var file = BasisFile.Open(basisPath);
        var projections = file.Mode == BasisMode.SharedQkv ? ["q_proj"] : BasisLayout.Projections;
        var sum = new double[file.Rank];
        var exact = true;
        var blocks = 0;
        foreach (var layer in file.Layers)
        {
            foreach (var projection in projections)
            {
                using var scope = NewDisposeScope();
                var sigma = file.SingularValues(layer, projection, file.Rank).to(ScalarType.Float64).data<double>().ToArray();
                var total = file.TotalEnergy(layer, projection);
                exact &= total is not null;
                var denominator = total ?? sigma.Sum(s => s * s);
                var running = 0.0;
                for (var i = 0; i < sigma.Length; i++)
                {
                    running += sigma[i] * sigma[i];
                    sum[i] += denominator > 0 ? running / denominator : 0;
                }
                blocks++;
            }
        }
        return ([.. sum.Select(s => s / Math.Max(1, blocks))], exact);
    }

    private static void AddSeries(Plot plot, string label, double[] xs, IReadOnlyList<SeedStatistics> stats, double scale)
    {
        var ys = stats.Select(s => s.Mean * scale).ToArray();
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.LegendText = label;
        scatter.Color = ColorOf(label);
        scatter.MarkerSize = 8;
        scatter.LineWidth = 2;
        var bars = plot.Add.ErrorBar(xs, ys, [.. stats.Select(s => (s.HalfWidth ?? 0) * scale)]);
        bars.Color = scatter.Color;
    }

    /// <summary>Ticks at the grid's values only: ranks and source counts are integers, not a continuum.</summary>
    private static void IntegerTicks(Plot plot, IEnumerable<int> values)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var value in values.Distinct().Order()) ticks.AddMajor(value, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        plot.Axes.Bottom.TickGenerator = ticks;
    }

    private static ReportFigure Save(Plot plot, string directory, string stem, string title, string xLabel, string yLabel, string caption)
    {
        plot.ShowLegend(Edge.Right);
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(Path.Combine(directory, stem + ".png"), Width, Height);
        plot.SaveSvg(Path.Combine(directory, stem + ".svg"), Width, Height);
        return new ReportFigure(stem, title, caption);
    }

    /// <summary>A file-name-safe form of a dataset name.</summary>
    public static string Slug(string name) => UnsafeCharacters().Replace(name, "_");

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex UnsafeCharacters();
}
