using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Training.IO;

namespace Cora.Training.FineTuning;

/// <summary>
/// Hyper-parameters of one training run. JSON names are those of Hugging Face's
/// <c>TrainingArguments</c> (and TRL's <c>max_seq_length</c>), so a saved copy reads like theirs.
/// Immutable; <see cref="Validated"/> names the offending key.
/// </summary>
public sealed record TrainingArgs
{
    [JsonPropertyName("learning_rate")] public double LearningRate { get; init; } = 2e-4;
    [JsonPropertyName("weight_decay")] public double WeightDecay { get; init; }
    [JsonPropertyName("adam_beta1")] public double AdamBeta1 { get; init; } = 0.9;
    [JsonPropertyName("adam_beta2")] public double AdamBeta2 { get; init; } = 0.999;
    [JsonPropertyName("adam_epsilon")] public double AdamEpsilon { get; init; } = 1e-8;
    /// <summary>Gradient clipping by global L2 norm; 0 turns it off.</summary>
    [JsonPropertyName("max_grad_norm")] public double MaxGradNorm { get; init; } = 1.0;
    [JsonPropertyName("num_train_epochs")] public double NumTrainEpochs { get; init; } = 1;
    /// <summary>When positive, the number of optimizer steps, overriding epochs.</summary>
    [JsonPropertyName("max_steps")] public int MaxSteps { get; init; } = -1;
    [JsonPropertyName("per_device_train_batch_size")] public int BatchSize { get; init; } = 8;
    [JsonPropertyName("per_device_eval_batch_size")] public int EvalBatchSize { get; init; } = 16;
    [JsonPropertyName("gradient_accumulation_steps")] public int GradientAccumulationSteps { get; init; } = 1;
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; }
    /// <summary>Fraction of the steps used for warm-up when <see cref="WarmupSteps"/> is 0.</summary>
    [JsonPropertyName("warmup_ratio")] public double WarmupRatio { get; init; }
    /// <summary>linear, cosine, constant or constant_with_warmup (transformers' names and shapes).</summary>
    [JsonPropertyName("lr_scheduler_type")] public string LrSchedulerType { get; init; } = "linear";
    [JsonPropertyName("seed")] public int Seed { get; init; }
    /// <summary>Longer examples are cut to this many tokens.</summary>
    [JsonPropertyName("max_seq_length")] public int MaxSeqLength { get; init; } = 512;
    /// <summary>Every this many optimizer steps a trial saves a checkpoint a later attempt resumes
    /// from (<see cref="TrainingCheckpoints"/>); 0: none. How a trial runs, not what it computes
    /// (a resumed run ends bitwise where an uninterrupted one does), so left out of trial ids.</summary>
    [JsonPropertyName("save_steps"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] public int SaveSteps { get; init; }
    /// <summary>Recompute each decoder layer's activations in the backward pass instead of keeping
    /// them: activation memory of about one layer plus every layer's input, for a second forward
    /// pass per step (<see cref="Model.ActivationCheckpoint"/>). The same weights on the CPU.
    /// Left out of the JSON when false, so that the arguments of every run before it existed read
    /// (and hash, in trial ids) as they did.</summary>
    [JsonPropertyName("gradient_checkpointing"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool GradientCheckpointing { get; init; }

    public TrainingArgs Validated(string source = "training arguments")
    {
        void Check(bool ok, string key, object value, string rule)
        {
            if (!ok) throw new InvalidInputException($"{source}: {key} {rule} (got {value})");
        }
        Check(LearningRate > 0, "learning_rate", LearningRate, "must be positive");
        Check(WeightDecay >= 0, "weight_decay", WeightDecay, "must be ≥ 0");
        Check(AdamBeta1 is >= 0 and < 1, "adam_beta1", AdamBeta1, "must be in [0, 1)");
        Check(AdamBeta2 is >= 0 and < 1, "adam_beta2", AdamBeta2, "must be in [0, 1)");
        Check(AdamEpsilon > 0, "adam_epsilon", AdamEpsilon, "must be positive");
        Check(MaxGradNorm >= 0, "max_grad_norm", MaxGradNorm, "must be ≥ 0");
        Check(MaxSteps > 0 || NumTrainEpochs > 0, "num_train_epochs", NumTrainEpochs, "must be positive when max_steps is not set");
        Check(BatchSize > 0, "per_device_train_batch_size", BatchSize, "must be positive");
        Check(EvalBatchSize > 0, "per_device_eval_batch_size", EvalBatchSize, "must be positive");
        Check(GradientAccumulationSteps > 0, "gradient_accumulation_steps", GradientAccumulationSteps, "must be positive");
        Check(WarmupSteps >= 0, "warmup_steps", WarmupSteps, "must be ≥ 0");
        Check(WarmupRatio is >= 0 and < 1, "warmup_ratio", WarmupRatio, "must be in [0, 1)");
        Check(LrSchedule.Names.Contains(LrSchedulerType), "lr_scheduler_type", LrSchedulerType,
            $"must be one of {string.Join(", ", LrSchedule.Names)}");
        Check(MaxSeqLength > 1, "max_seq_length", MaxSeqLength, "must be at least 2");
        Check(SaveSteps >= 0, "save_steps", SaveSteps, "must be ≥ 0 (0: no checkpoints)");
        return this;
    }

    public const string FileName = "training_args.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes <c>training_args.json</c> into <paramref name="directory"/>, next to what they trained.</summary>
    public void Save(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>Reads <c>training_args.json</c> from <paramref name="directory"/> and validates it.</summary>
    public static TrainingArgs Load(string directory)
    {
        var path = Path.Combine(directory, FileName);
        try
        {
            return (JsonSerializer.Deserialize<TrainingArgs>(File.ReadAllText(path), Json)
                ?? throw new InvalidInputException($"{path}: empty")).Validated(path);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not valid training arguments ({e.Message})", e);
        }
    }

    /// <summary>Optimizer steps for a training set of <paramref name="examples"/> examples.</summary>
    public int TotalSteps(int examples)
    {
        if (MaxSteps > 0) return MaxSteps;
        var perEpoch = (int)Math.Ceiling(examples / (double)(BatchSize * GradientAccumulationSteps));
        return Math.Max(1, (int)Math.Ceiling(perEpoch * NumTrainEpochs));
    }

    public int WarmupFor(int totalSteps) =>
        WarmupSteps > 0 ? WarmupSteps : (int)Math.Ceiling(WarmupRatio * totalSteps);
}
