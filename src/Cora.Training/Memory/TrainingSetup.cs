using Cora.Training.Lora;
using Cora.Training.Model;
using Cora.Training.Trials;

namespace Cora.Training.Memory;

/// <summary>
/// What decides a training run's memory: the model's shape, the method and its adapters, the
/// dtype the device trains in, and one micro-batch (batch × sequence; gradient accumulation adds
/// nothing, micro-batches run one after the other).
/// </summary>
/// <param name="Model">The base's architecture (its <c>config.json</c>; no weights needed).</param>
/// <param name="Method">LoRA-family (adapters) or <c>full-ft</c> (every weight trains).</param>
/// <param name="Rank">LoRA rank r (ignored by full-ft).</param>
/// <param name="Targets">Projections with adapters, in every layer (ignored by full-ft).</param>
/// <param name="LoraDropout">Adapter input dropout: above 0 each adapter keeps its own dropped copy of its input.</param>
/// <param name="Bfloat16">Base weights and activations in bfloat16 (the <c>cuda</c> placement); false:
/// float32 (<c>cpu</c>). Adapters are float32 either way.</param>
/// <param name="BatchSize">Examples per micro-batch.</param>
/// <param name="SequenceLength">Tokens per example: the longest a batch can be (max_seq_length).</param>
/// <param name="GradientCheckpointing">Activations recomputed layer by layer in the backward pass.</param>
public sealed record TrainingSetup(
    LlamaConfig Model,
    LoraMethod Method,
    int Rank,
    IReadOnlyList<string> Targets,
    double LoraDropout,
    bool Bfloat16,
    int BatchSize,
    int SequenceLength,
    bool GradientCheckpointing = false)
{
    /// <summary>The setup of <paramref name="spec"/>'s training on a base of shape <paramref name="model"/>:
    /// bfloat16 unless the spec's device is <c>cpu</c> (see <see cref="Placement"/>), with gradient
    /// checkpointing as the spec's training arguments say (<c>gradient_checkpointing</c>).</summary>
    public static TrainingSetup Of(TrialSpec spec, LlamaConfig model) => new(
        model, spec.ParsedMethod, spec.Rank, spec.TargetModules, spec.LoraDropout, Bfloat16: spec.Device != "cpu",
        spec.Training.BatchSize, spec.Training.MaxSeqLength, spec.Training.GradientCheckpointing);
}
