using System.Text.Json;
using Cora.Actors.Coordinator;
using Cora.Training.Generation;
using Cora.Training.Trials;

namespace Cora.Cluster.Reports;

/// <summary>
/// A result row with what the report reads from the trial's directory in the artifact store:
/// the per-step training losses (result.json <c>train_losses</c>; absent in older results), the
/// predictions the paired bootstrap pairs by example id, and the basis file the trial used
/// (trial.json <c>basis</c>). Whatever is missing stays null, and is said once on stderr.
/// </summary>
public sealed record ReportTrial(TrialRow Row, IReadOnlyList<double>? TrainLosses, IReadOnlyList<Prediction>? Predictions, string? BasisPath)
{
    public const string SpecFileName = "trial.json";
    public const string PredictionsFileName = "predictions.jsonl";

    public bool Succeeded => Row.Status == "succeeded";

    /// <summary>The row's metric, when it is a number.</summary>
    public double? Metric(string key) => MetricOf(Row, key);

    public static double? MetricOf(TrialRow row, string key) =>
        row.Metrics.TryGetValue(key, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    public static ReportTrial Load(TrialRow row, TextWriter log)
    {
        if (row.Status != "succeeded" || row.OutputDir is not { } dir) return new ReportTrial(row, null, null, null);
        if (!Directory.Exists(dir))
        {
            log.WriteLine($"cora report: {row.TrialId}: output directory {dir} is not reachable from here; its curves and verdicts are left out");
            return new ReportTrial(row, null, null, null);
        }
        IReadOnlyList<double>? losses = null;
        var resultPath = Path.Combine(dir, TrialRunner.ResultFileName);
        if (File.Exists(resultPath))
            losses = Read(resultPath, log, json => JsonSerializer.Deserialize<TrialResult>(json)?.TrainLosses);
        IReadOnlyList<Prediction>? predictions = null;
        var predictionsPath = Path.Combine(dir, PredictionsFileName);
        if (File.Exists(predictionsPath))
        {
            try
            {
                predictions = Prediction.Load(predictionsPath);
            }
            catch (Training.InvalidInputException e)
            {
                log.WriteLine($"cora report: {e.Message}; verdicts for {row.TrialId} are left out");
            }
        }
        var specPath = Path.Combine(dir, SpecFileName);
        var basis = File.Exists(specPath) ? Read(specPath, log, json => JsonSerializer.Deserialize<TrialSpec>(json)?.Basis) : null;
        return new ReportTrial(row, losses, predictions, basis);
    }

    private static T? Read<T>(string path, TextWriter log, Func<string, T?> parse) where T : class
    {
        try
        {
            return parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            log.WriteLine($"cora report: {path}: unreadable ({e.Message}); left out");
            return null;
        }
    }
}
