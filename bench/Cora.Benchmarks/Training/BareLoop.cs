using System.Diagnostics;
using Cora.Training.Model;
using Cora.Training.FineTuning;
using static TorchSharp.torch;

namespace Cora.Benchmarks.Training;

/// <summary>
/// The least a TorchSharp training loop can do for the same steps as <see cref="Trainer"/>:
/// batches taken in file order, forward, loss on scored tokens, backward, AdamW step. No learning
/// rate schedule, clipping, divergence check, shuffling or progress reports: the difference to
/// Cora's trainer is their cost.
/// </summary>
public static class BareLoop
{
    public static (long Tokens, TimeSpan Elapsed, double MeanWidth) Train(LlamaForCausalLM model,
        IReadOnlyList<TokenizedExample> examples, TrainingArgs args)
    {
        var padId = model.Config.PadTokenId ?? 0;
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.AdamW(trainable, args.LearningRate, weight_decay: args.WeightDecay);
        long tokens = 0;
        var clock = Stopwatch.StartNew();
        model.train();
        foreach (var micro in Batches(examples, args))
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            using var batch = CausalLmBatch.Collate(micro, padId, model.Device);
            var logits = model.Forward(batch.InputIds, batch.AttentionMask);                     // (B, T, V)
            var loss = batch.SummedLoss(logits) / micro.Sum(e => e.ScoredTokens);
            loss.backward();
            optimizer.step();
            tokens += batch.RealTokens;
        }
        return (tokens, clock.Elapsed, MeanPaddedWidth(examples, args));
    }

    /// <summary>Mean width (longest example) of the batches <see cref="Train"/> runs.</summary>
    public static double MeanPaddedWidth(IReadOnlyList<TokenizedExample> examples, TrainingArgs args) =>
        Batches(examples, args).Average(b => b.Max(e => e.InputIds.Length));

    private static IEnumerable<TokenizedExample[]> Batches(IReadOnlyList<TokenizedExample> examples, TrainingArgs args) =>
        examples.Select(e => e.Truncated(args.MaxSeqLength)).Where(e => e.ScoredTokens > 0)
            .Chunk(args.BatchSize).Where(b => b.Length == args.BatchSize).Take(args.MaxSteps);
}
