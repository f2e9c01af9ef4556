using System.Text.Json.Serialization;
using Cora.Training.Lora;
using Cora.Training.FineTuning;

namespace Cora.Training.Trials;

/// <summary>
/// Everything that defines one trial: base model, data, method, adapter shape, hyper-parameters,
/// generation settings, seed. Saved as <c>trial.json</c> beside the trial's artifacts.
/// </summary>
public sealed record TrialSpec
{
    [JsonPropertyName("base")] public required string BaseModel { get; init; }
    [JsonPropertyName("train_data")] public required string TrainData { get; init; }
    [JsonPropertyName("eval_data")] public required string EvalData { get; init; }
    [JsonPropertyName("method")] public required string Method { get; init; }
    /// <summary>LoRA rank r (ignored by full-ft).</summary>
    [JsonPropertyName("rank")] public int Rank { get; init; } = TrialDefaults.Rank;
    /// <summary>The basis file for cora-fb / cora-tb (from <c>cora basis extract</c>).</summary>
    [JsonPropertyName("basis")] public string? Basis { get; init; }
    [JsonPropertyName("lora_alpha")] public double LoraAlpha { get; init; } = TrialDefaults.AlphaPerRank * TrialDefaults.Rank;
    [JsonPropertyName("lora_dropout")] public double LoraDropout { get; init; } = TrialDefaults.LoraDropout;
    [JsonPropertyName("target_modules")] public IReadOnlyList<string> TargetModules { get; init; } = Lora.LoraConfig.DefaultTargets;
    [JsonPropertyName("use_rslora")] public bool UseRslora { get; init; }
    /// <summary>How lora_A starts for methods with a non-zero B: kaiming (the paper's) or zeros
    /// (see <see cref="Lora.AInit"/>). Specs written before the choice existed read as kaiming.</summary>
    [JsonPropertyName("a_init")] public string AInit { get; init; } = TrialDefaults.AInitChoice.Name();
    [JsonPropertyName("training")] public TrainingArgs Training { get; init; } = TrialDefaults.Training;
    [JsonPropertyName("max_new_tokens")] public int MaxNewTokens { get; init; } = TrialDefaults.MaxNewTokens;
    [JsonPropertyName("generation_batch_size")] public int GenerationBatchSize { get; init; } = TrialDefaults.GenerationBatchSize;
    /// <summary>Generate for the first N eval examples only (null: all of them).</summary>
    [JsonPropertyName("generation_limit")] public int? GenerationLimit { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>cpu (float32) or cuda / cuda:N (bfloat16); see <see cref="Model.Placement"/>.</summary>
    [JsonPropertyName("device")] public string Device { get; init; } = "cpu";

    public LoraMethod ParsedMethod => LoraMethods.Parse(Method);

    public AInit ParsedAInit => AInits.Parse(AInit);

    /// <summary>Checks the spec as a whole; errors name the field.</summary>
    public TrialSpec Validated()
    {
        var method = ParsedMethod;
        if (method.NeedsBasis() && Basis is null)
            throw new InvalidInputException($"method {Method} needs --basis (a file from `cora basis extract`)");
        if (!method.NeedsBasis() && Basis is not null)
            throw new InvalidInputException($"method {Method} does not use a basis; drop --basis");
        if (MaxNewTokens < 1) throw new InvalidInputException($"max_new_tokens must be at least 1 (got {MaxNewTokens})");
        if (GenerationBatchSize < 1) throw new InvalidInputException($"generation_batch_size must be at least 1 (got {GenerationBatchSize})");
        ParsedAInit.CheckFor(method);
        if (GenerationLimit is < 0) throw new InvalidInputException($"generation_limit must be ≥ 0 (got {GenerationLimit})");
        Training.Validated();
        if (method.UsesAdapters()) ToLoraConfig().Validated();
        return this;
    }

    public LoraConfig ToLoraConfig() => new()
    {
        R = Rank,
        LoraAlpha = LoraAlpha,
        LoraDropout = LoraDropout,
        TargetModules = TargetModules,
        UseRslora = UseRslora,
        BaseModelNameOrPath = BaseModel,
    };
}
