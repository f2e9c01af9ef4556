using static TorchSharp.torch;

namespace Cora.Training.FineTuning;

/// <summary>
/// A right-padded batch for causal language modelling. Labels hold the token id where the token
/// is scored and -100 (PyTorch's ignore index) for prompt and padding positions; they are not
/// shifted: position t's logits predict label t+1, as in transformers.
/// </summary>
public sealed class CausalLmBatch : IDisposable
{
    public const long IgnoreIndex = -100;

    private CausalLmBatch(Tensor inputIds, Tensor labels, Tensor attentionMask, long realTokens)
    {
        InputIds = inputIds;
        Labels = labels;
        AttentionMask = attentionMask;
        RealTokens = realTokens;
    }

    /// <summary>(B, T) int64.</summary>
    public Tensor InputIds { get; }
    /// <summary>(B, T) int64, -100 where not scored.</summary>
    public Tensor Labels { get; }
    /// <summary>(B, T) int64, 1 for real tokens, 0 for padding.</summary>
    public Tensor AttentionMask { get; }
    /// <summary>Non-padding tokens in the batch (for throughput).</summary>
    public long RealTokens { get; }

    public static CausalLmBatch Collate(IReadOnlyList<TokenizedExample> examples, int padId, Device? device = null)
    {
        var width = examples.Max(e => e.InputIds.Length);
        var ids = new long[examples.Count * width];
        var labels = new long[ids.Length];
        var mask = new long[ids.Length];
        Array.Fill(ids, padId);
        Array.Fill(labels, IgnoreIndex);
        long real = 0;
        for (var b = 0; b < examples.Count; b++)
        {
            var e = examples[b];
            for (var t = 0; t < e.InputIds.Length; t++)
            {
                ids[b * width + t] = e.InputIds[t];
                mask[b * width + t] = 1;
                if (t >= Math.Max(1, e.PromptLength)) labels[b * width + t] = e.InputIds[t];
            }
            real += e.InputIds.Length;
        }
        long[] shape = [examples.Count, width];
        return new CausalLmBatch(tensor(ids, shape, device: device), tensor(labels, shape, device: device),
            tensor(mask, shape, device: device), real);
    }

    /// <summary>Summed cross-entropy of the scored tokens: logits (B, T, V) against these labels.</summary>
    public Tensor SummedLoss(Tensor logits)
    {
        using var scope = NewDisposeScope();
        var vocab = logits.shape[^1];
        var predicted = logits[.., ..^1].reshape(-1, vocab).to(float32);
        var targets = Labels[.., 1..].reshape(-1);
        return nn.functional.cross_entropy(predicted, targets, ignore_index: IgnoreIndex, reduction: nn.Reduction.Sum)
            .MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        AttentionMask.Dispose();
    }
}
