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
    /// <summary>Eval loss of the base model, before any adapter is attached.</summary>
    [JsonPropertyName("eval_loss_base")] public double EvalLossBase { get; init; }

    /// <summary>result.json files written before <see cref="EvalLossInit"/> existed call the base
    /// loss <c>eval_loss_before</c>; read it into <see cref="EvalLossBase"/>, never write it.</summary>
    [JsonPropertyName("eval_loss_before"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LegacyEvalLossBefore
    {
        get => null;
        init
        {
            if (value is { } before) EvalLossBase = before;
        }
    }

    /// <summary>Eval loss with the adapters attached and initialised, before the first step: equal
    /// to <see cref="EvalLossBase"/> for methods that start at the base model (LoRA, PiSSA, MiCA,
    /// A = 0); above it when s·B·A₀ moves the start. Null in older result.json files.</summary>
    [JsonPropertyName("eval_loss_init")] public double? EvalLossInit { get; init; }

    /// <summary>How far the start is from the base, per adapted projection ‖W₀ − W‖_F / ‖W‖_F
    /// (= ‖s·B·A₀‖_F / ‖W‖_F; 0 where the adapter adds nothing at the start, and for PiSSA, whose
    /// W is reduced by exactly what the adapter adds), averaged over the adapted projections. Null
    /// for full-ft and in older result.json files.</summary>
    [JsonPropertyName("init_delta_ratio")] public double? InitDeltaRatio { get; init; }

    [JsonPropertyName("eval_loss_after")] public required double EvalLossAfter { get; init; }
    /// <summary>The checkpoint step this attempt resumed training from; null: from the start.</summary>
    [JsonPropertyName("resumed_from_step"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public int? ResumedFromStep { get; init; }
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
