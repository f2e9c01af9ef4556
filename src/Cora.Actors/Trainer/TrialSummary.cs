using System.Text.Json;
using Cora.Training.Trials;

namespace Cora.Actors.Trainer;

/// <summary>
/// The training figures of a finished attempt (from its result.json) that go into the results
/// beside the text metrics: eval loss before/after, final train loss, trainable parameters,
/// throughput. On a model too small to write text (the micro zoo) these are the numbers that
/// still tell the methods apart.
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
        return new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["eval_loss_before"] = JsonSerializer.SerializeToElement(result.EvalLossBefore),
            ["eval_loss"] = JsonSerializer.SerializeToElement(result.EvalLossAfter),
            ["train_loss"] = JsonSerializer.SerializeToElement(result.TrainLossFinal),
            ["trainable_parameters"] = JsonSerializer.SerializeToElement(result.TrainableParameters),
            ["tokens_per_second"] = JsonSerializer.SerializeToElement(result.TokensPerSecond),
            ["train_seconds"] = JsonSerializer.SerializeToElement(result.TrainSeconds),
        };
    }
}
