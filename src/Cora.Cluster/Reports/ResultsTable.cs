using System.Globalization;
using System.Text;
using System.Text.Json;
using Cora.Actors.Coordinator;

namespace Cora.Cluster.Reports;

/// <summary>
/// A sweep's results in the paper's Table 2/3 layout — rows method × rank × sources (per dataset),
/// columns ROUGE-1/2/L, METEOR, SacreBLEU, BERTScore, each the mean over the row's successful
/// seeds — plus the per-trial files <c>results.json</c> and <c>results.csv</c>.
/// </summary>
public static class ResultsTable
{
    /// <summary>(header, key, scale): ROUGE, METEOR and BERTScore are shown ×100 as in the paper;
    /// eval loss (mean token cross-entropy on the eval set after training) comes from the trial.</summary>
    public static readonly IReadOnlyList<(string Header, string Key, double Scale)> Columns =
    [
        ("ROUGE-1", "rouge1", 100),
        ("ROUGE-2", "rouge2", 100),
        ("ROUGE-L", "rougeL", 100),
        ("METEOR", "meteor", 100),
        ("SacreBLEU", "bleu", 1),
        ("BERTScore", "bertscore_f1", 100),
        ("Eval loss", "eval_loss", 1),
    ];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };
    private static readonly string[] AxisHeaders = ["dataset", "method", "rank", "sources", "seeds"];
    private static readonly string[] CsvHeaders = ["trial_id", "method", "a_init", "rank", "sources", "dataset", "seed", "status", "attempts"];

    /// <summary>The metric the table's verdict column compares on (ROUGE-L, per example).</summary>
    public const string VerdictKey = "rougeL";

    /// <param name="data">The sweep with its predictions: when given, a last column holds each row's
    /// paired-bootstrap verdict against LoRA at the same rank and seeds on ROUGE-L.</param>
    public static string Format(IReadOnlyList<TrialRow> rows, SweepData? data = null)
    {
        // The a-init column appears only when a sweep ran an init other than the paper's.
        var showAInit = rows.Any(r => r.AInit is not null && r.AInit != SweepData.Kaiming);
        var verdictMetric = ReportMetric.All.Single(m => m.Key == VerdictKey);
        string[] headers = [.. AxisHeaders.Take(2), .. showAInit ? ["a-init"] : Array.Empty<string>(), .. AxisHeaders.Skip(2)];
        var axes = headers.Length;
        var lines = new List<string[]>
        {
            headers.Concat(Columns.Select(c => c.Header)).Concat(data is null ? [] : [$"vs LoRA ({verdictMetric.Header})"]).ToArray(),
        };
        var groups = rows.GroupBy(r => (r.Dataset, r.Method, r.AInit, r.Rank, r.Sources));
        foreach (var group in groups)
        {
            var done = group.Where(r => r.Status == "succeeded").ToList();
            var cells = new List<string> { group.Key.Dataset, group.Key.Method };
            if (showAInit) cells.Add(group.Key.AInit ?? "-");
            cells.AddRange(
            [
                group.Key.Rank == 0 ? "-" : group.Key.Rank.ToString(CultureInfo.InvariantCulture),
                group.Key.Sources == 0 ? "-" : group.Key.Sources.ToString(CultureInfo.InvariantCulture),
                $"{done.Count}/{group.Count()}",
            ]);
            foreach (var (_, key, scale) in Columns)
            {
                var values = done.Where(r => r.Metrics.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number)
                    .Select(r => r.Metrics[key].GetDouble()).ToList();
                cells.Add(values.Count == 0 ? "—" : (values.Average() * scale).ToString("F2", CultureInfo.InvariantCulture));
            }
            if (data is not null)
            {
                var view = group.Key.AInit is { } aInit ? data.View(aInit) : data;
                var verdict = group.Key.Rank == 0 ? Verdict.Unavailable
                    : view.VersusLora(group.Key.Dataset, group.Key.Method, group.Key.Rank, group.Key.Sources, verdictMetric, group.Key.Rank);
                cells.Add(verdict.ToString());
            }
            lines.Add([.. cells]);
        }
        var widths = Enumerable.Range(0, lines[0].Length).Select(i => lines.Max(l => l[i].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var line in lines)
            text.AppendLine(string.Join("  ", line.Select((cell, i) => i < axes || i == axes + Columns.Count ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd());
        var baseMode = rows.Select(r => r.Metrics.GetValueOrDefault("bertscore_note")).FirstOrDefault(n => n.ValueKind == JsonValueKind.String);
        if (baseMode.ValueKind == JsonValueKind.String) text.AppendLine($"BERTScore: {baseMode.GetString()}");
        return text.ToString();
    }

    /// <summary>Writes results.json and results.csv (see <see cref="ToJson"/>, <see cref="ToCsv"/>).</summary>
    public static void Write(string directory, IReadOnlyList<TrialRow> rows)
    {
        Directory.CreateDirectory(directory);
        Training.IO.AtomicFile.WriteAllText(Path.Combine(directory, "results.json"), ToJson(rows) + "\n");
        Training.IO.AtomicFile.WriteAllText(Path.Combine(directory, "results.csv"), ToCsv(rows));
    }

    /// <summary>results.json: one object per trial — its axes, status, attempts, the failure
    /// reason when it failed, and the corpus metrics of <c>cora eval score</c> at top level.</summary>
    public static string ToJson(IReadOnlyList<TrialRow> rows) => JsonSerializer.Serialize(rows.Select(r =>
    {
        var o = new Dictionary<string, object?>
        {
            ["trial_id"] = r.TrialId,
            ["method"] = r.Method,
            ["rank"] = r.Rank,
            ["sources"] = r.Sources,
            ["dataset"] = r.Dataset,
            ["seed"] = r.Seed,
            ["a_init"] = r.AInit,
            ["status"] = r.Status,
            ["attempts"] = r.Attempts,
        };
        if (r.Failure is not null) o["failure"] = r.Failure;
        foreach (var (key, value) in r.Metrics) o[key] = value;
        return o;
    }).ToList(), Json);

    /// <summary>results.csv: the same rows with their scalar metrics.</summary>
    public static string ToCsv(IReadOnlyList<TrialRow> rows)
    {
        var metricKeys = rows.SelectMany(r => r.Metrics.Where(m => m.Value.ValueKind == JsonValueKind.Number).Select(m => m.Key)).Distinct().ToList();
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(',', CsvHeaders.Concat(metricKeys)));
        foreach (var r in rows)
        {
            var cells = new[] { r.TrialId, r.Method, r.AInit ?? "", Invariant(r.Rank), Invariant(r.Sources), Csv(r.Dataset), Invariant(r.Seed), r.Status, Invariant(r.Attempts) }
                .Concat(metricKeys.Select(k => r.Metrics.TryGetValue(k, out var v) && v.ValueKind == JsonValueKind.Number
                    ? v.GetDouble().ToString("R", CultureInfo.InvariantCulture) : ""));
            csv.AppendLine(string.Join(',', cells));
        }
        return csv.ToString();
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    internal static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
