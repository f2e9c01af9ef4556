using System.Text.Json.Serialization;

namespace Cora.Training.Trials;

/// <summary>What one trial did and where its artifacts are; written as <c>result.json</c>.</summary>
public sealed record TrialResult
{
    [JsonPropertyName("method")] public required string Method { get; init; }
    [JsonPropertyName("rank")] public required int Rank { get; init; }
    [JsonPropertyName("trainable_parameters")] public required long TrainableParameters { get; init; }
    [JsonPropertyName("total_parameters")] public required long TotalParameters { get; init; }
    [JsonPropertyName("steps")] public required int Steps { get; init; }
    [JsonPropertyName("train_loss_first")] public required double TrainLossFirst { get; init; }
    [JsonPropertyName("train_loss_final")] public required double TrainLossFinal { get; init; }
    /// <summary>The training loss of every optimizer step, in order (absent in result.json files
    /// written before it was recorded).</summary>
    [JsonPropertyName("train_losses")] public IReadOnlyList<double>? TrainLosses { get; init; }
    [JsonPropertyName("eval_loss_before")] public required double EvalLossBefore { get; init; }
    [JsonPropertyName("eval_loss_after")] public required double EvalLossAfter { get; init; }
    [JsonPropertyName("train_seconds")] public required double TrainSeconds { get; init; }
    [JsonPropertyName("wall_seconds")] public required double WallSeconds { get; init; }
    [JsonPropertyName("tokens_per_second")] public required double TokensPerSecond { get; init; }
    /// <summary>Peak anonymous resident memory during the trial (RssAnon, sampled; see
    /// <see cref="Diagnostics.PeakMemory"/>), bytes; null where the OS does not say.</summary>
    [JsonPropertyName("peak_memory_bytes")] public long? PeakMemoryBytes { get; init; }
    [JsonPropertyName("output_dir")] public required string OutputDir { get; init; }
    /// <summary>The adapter (PEFT layout) or, for full-ft, the full checkpoint.</summary>
    [JsonPropertyName("model_dir")] public required string ModelDir { get; init; }
    [JsonPropertyName("predictions")] public required string Predictions { get; init; }
}
