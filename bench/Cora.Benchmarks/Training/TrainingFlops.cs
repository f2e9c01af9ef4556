using Cora.Training.Model;

namespace Cora.Benchmarks.Training;

/// <summary>
/// Floating-point operations of one training step per real (non-padding) token, counted from the
/// model's shapes — the usual 6N rule split by what actually needs gradients:
/// forward 2 per weight of every matmul; backward 2 per weight for the activation gradients
/// (adapters sit in every layer, so gradients flow through all of them) and 2 more per
/// <em>trainable</em> weight for the weight gradients; plus attention's two (T × T) products,
/// 4·d·T per token and layer forward and twice that backward, at the batches' mean padded width T.
/// Embedding lookups, norms, softmax and the optimiser are left out, so this undercounts slightly,
/// and padding positions are computed but not counted: achieved FLOP/s is a lower bound.
/// </summary>
public static class TrainingFlops
{
    public static double PerToken(LlamaForCausalLM model, double meanPaddedWidth)
    {
        double matmulWeights = 0, trainable = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            if (p.dim() != 2 || name.Contains("embed_tokens", StringComparison.Ordinal)) continue;
            matmulWeights += p.numel();
            if (p.requires_grad) trainable += p.numel();
        }
        var c = model.Config;
        var attention = 4.0 * c.NumHiddenLayers * c.NumAttentionHeads * c.HeadDim * meanPaddedWidth;
        return 2 * matmulWeights + 2 * matmulWeights + 2 * trainable + 3 * attention;
    }
}
