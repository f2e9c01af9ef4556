using Cora.Training.Lora;
using Cora.Training.Model;
using Cora.Training.Tests.Model;
using Cora.Training.Tests.FineTuning;
using Cora.Training.FineTuning;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Lora;

/// <summary>Tiny models, data and comparisons shared by the LoRA tests.</summary>
internal static class LoraTestModels
{
    /// <summary>Multi-head: q, k and v are all 32 × 32 (out = in).</summary>
    public static LlamaConfig Mha => LlamaForCausalLMTests.TinyConfig(kvHeads: 4);

    /// <summary>Grouped-query: q is 32 × 32, k and v are 16 × 32.</summary>
    public static LlamaConfig Gqa => LlamaForCausalLMTests.TinyConfig(kvHeads: 2);

    public static LlamaForCausalLM Tiny(LlamaConfig? config = null, long seed = 7) =>
        LlamaForCausalLMTests.Model(config ?? Mha, seed);

    public static readonly long[] Ids = [3, 17, 5, 42, 8, 1, 29, 11];

    public static Tensor Logits(LlamaForCausalLM model)
    {
        using var _ = no_grad();
        using var ids = tensor(Ids).view(1, -1);
        return model.Forward(ids);
    }

    public static TrainingResult Train(LlamaForCausalLM model, int steps = 4) =>
        new Trainer(model, new TrainingArgs { LearningRate = 1e-2, MaxSteps = steps, BatchSize = 4, Seed = 3 })
            .Train(TrainerTests.Reversals(16, seed: 5));

    /// <summary>A basis provider of orthonormal columns (out, R) per (layer, projection).</summary>
    public static LoraBasis SyntheticBasis(int rows = 32, int columns = 6) => (layer, projection) =>
    {
        using var generator = new Generator((ulong)(100 + layer * 10 + projection[0]));
        return LoraInitializer.RandomOrthonormal(rows, columns, generator);
    };

    public static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.equal(b).all().item<bool>();

    public static LoraConfig Config(int r = 4, params string[] targets) => new()
    {
        R = r,
        LoraAlpha = 2 * r,
        TargetModules = targets.Length > 0 ? targets : LoraConfig.DefaultTargets,
    };
}
