using System.Text.Json;
using Cora.Training.Trials;

namespace Cora.Actors.Trainer;

/// <summary>
/// The training figures of a finished attempt (from its result.json) that go into the results
/// beside the text metrics: eval loss of the base, at the start and after training, how far the
/// start is from the base, final train loss, trainable parameters, throughput.
/// </summary>
public static class TrialSummary
{
    public static IReadOnlyDictionary<string, JsonElement>? Read(string attemptDir)
    {
        var path = Path.Combine(attemptDir, TrialRunner.ResultFileName);
        if (!File.Exists(path)) return null;
        TrialResult? result;
        try
        {
            result = JsonSerializer.Deserialize<TrialResult>(File.ReadAllText(path));
        }
        catch (JsonException)
        {
            return null;
        }
        if (result is null) return null;
        var summary = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["eval_loss_base"] = JsonSerializer.SerializeToElement(result.EvalLossBase),
            ["eval_loss"] = JsonSerializer.SerializeToElement(result.EvalLossAfter),
            ["train_loss"] = JsonSerializer.SerializeToElement(result.TrainLossFinal),
            ["trainable_parameters"] = JsonSerializer.SerializeToElement(result.TrainableParameters),
            ["tokens_per_second"] = JsonSerializer.SerializeToElement(result.TokensPerSecond),
            ["train_seconds"] = JsonSerializer.SerializeToElement(result.TrainSeconds),
        };
        // Absent in result.json files written before they were measured.
        if (result.EvalLossInit is { } init) summary["eval_loss_init"] = JsonSerializer.SerializeToElement(init);
        if (result.InitDeltaRatio is { } ratio) summary["init_delta_ratio"] = JsonSerializer.SerializeToElement(ratio);
        return summary;
    }
}
