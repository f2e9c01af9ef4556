using Cora.Training.Model;
using static TorchSharp.torch;

namespace Cora.Training.Generation;

/// <summary>
/// Greedy decoding in batches with a KV cache. Prompts of different lengths are left-padded and
/// masked, so each row generates exactly what it would generate alone. A row stops at EOS (which
/// is not part of its output) or after <c>maxNewTokens</c>.
/// </summary>
public static class GreedyGenerator
{
    /// <summary>The new tokens for each prompt (EOS excluded), in prompt order.</summary>
    public static IReadOnlyList<int[]> Generate(LlamaForCausalLM model, IReadOnlyList<int[]> prompts, int maxNewTokens, int? eosId)
    {
        if (prompts.Count == 0) return [];
        if (prompts.Any(p => p.Length == 0)) throw new ArgumentException("every prompt needs at least one token (BOS)", nameof(prompts));
        var padId = model.Config.PadTokenId ?? eosId ?? 0;
        var width = prompts.Max(p => p.Length);
        var batch = prompts.Count;

        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ids = new long[batch * width];
        var mask = new long[batch * width];
        for (var b = 0; b < batch; b++)
        {
            var offset = width - prompts[b].Length;                  // left padding
            for (var t = 0; t < width; t++)
            {
                ids[b * width + t] = t < offset ? padId : prompts[b][t - offset];
                mask[b * width + t] = t < offset ? 0 : 1;
            }
        }
        var device = model.Device;
        var attention = tensor(mask, [batch, width], device: device);      // (B, S), grows each step
        using var cache = model.NewCache();
        var logits = model.Forward(tensor(ids, [batch, width], device: device), attention, cache);   // (B, T, V)

        var outputs = Enumerable.Range(0, batch).Select(_ => new List<int>()).ToArray();
        var finished = new bool[batch];
        for (var step = 0; step < maxNewTokens; step++)
        {
            using var stepScope = NewDisposeScope();
            var next = logits[.., -1].argmax(-1).cpu().data<long>().ToArray();     // (B)
            for (var b = 0; b < batch; b++)
            {
                if (finished[b]) continue;
                if (next[b] == eosId) finished[b] = true;
                else outputs[b].Add((int)next[b]);
            }
            if (finished.All(f => f) || step == maxNewTokens - 1) break;

            // Finished rows keep feeding padding; their outputs are already complete.
            // Only the newest logits and mask are kept: the previous ones are freed each step.
            var fed = next.Select((token, b) => finished[b] ? padId : token).ToArray();
            var grown = cat([attention, ones(batch, 1, int64, device)], 1).MoveToOuterDisposeScope();
            var stepLogits = model.Forward(tensor(fed, [batch, 1], device: device), grown, cache).MoveToOuterDisposeScope();
            attention.Dispose();
            logits.Dispose();
            (attention, logits) = (grown, stepLogits);
        }
        return outputs.Select(o => o.ToArray()).ToList();
    }
}
