using System.Diagnostics;
using Cora.Training.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.FineTuning;

/// <summary>
/// The one training loop in Cora: AdamW, warm-up + decay schedule, gradient accumulation and
/// clipping, loss on scored tokens only. It trains whatever parameters of the model have
/// <c>requires_grad</c> set — all of them for full fine-tuning, only the adapters for LoRA — so the
/// caller decides what is frozen. Seeded: the same model, data and arguments give the same
/// weights on the same machine (CPU).
/// </summary>
public sealed class Trainer
{
    private readonly LlamaForCausalLM _model;
    private readonly TrainingArgs _args;
    private readonly int _padId;

    public Trainer(LlamaForCausalLM model, TrainingArgs args)
    {
        _model = model;
        _args = args.Validated();
        _padId = model.Config.PadTokenId ?? model.Config.EosTokenId ?? 0;
        model.Model.GradientCheckpointing = _args.GradientCheckpointing;
    }

    /// <param name="checkpoints">Where the trial's checkpoints are: training resumes from the
    /// newest there, and saves one every <see cref="TrainingArgs.SaveSteps"/> steps; null: neither.</param>
    public TrainingResult Train(IReadOnlyList<TokenizedExample> examples, IProgress<TrainingProgress>? progress = null,
        TrainingCheckpoints? checkpoints = null, CancellationToken cancellation = default)
    {
        if (examples.Count == 0) throw new InvalidInputException("training set is empty");
        var data = examples.Select(e => e.Truncated(_args.MaxSeqLength)).Where(e => e.ScoredTokens > 0).ToList();
        if (data.Count == 0) throw new InvalidInputException($"no example has a response within max_seq_length {_args.MaxSeqLength}");

        manual_seed(_args.Seed);
        using var masters = new MasterWeights(_model.named_parameters().Where(p => p.parameter.requires_grad));
        // What the optimizer updates, clipping measures and checkpoints hold: the float32 masters
        // where parameters have them, the parameters themselves otherwise.
        var named = masters.Optimized;
        using var optimizer = CreateOptimizer(named);
        var trainable = named.Select(p => p.Parameter).ToList();
        var totalSteps = _args.TotalSteps(data.Count);
        var warmup = _args.WarmupFor(totalSteps);
        var order = new EpochOrder(data.Count, _args.Seed);
        var examplesPerStep = _args.BatchSize * _args.GradientAccumulationSteps;
        var losses = new List<double>(totalSteps);
        long tokens = 0;
        var before = TimeSpan.Zero;
        var first = 0;
        if (checkpoints?.Newest() is { } saved)
        {
            if (saved.TotalSteps != totalSteps || saved.Step > totalSteps)
                throw new InvalidDataException($"{saved.Path}: a checkpoint at step {saved.Step} of {saved.TotalSteps}, but this run has {totalSteps} steps");
            TrainingCheckpoints.Restore(saved, named, optimizer);
            masters.CopyWeights();   // restored masters into the model's own dtype
            // The data order is the seed's: replay it up to where the checkpoint was taken.
            for (var i = 0; i < saved.Step * examplesPerStep; i++) order.Next();
            (first, tokens, before) = (saved.Step, saved.Tokens, TimeSpan.FromSeconds(saved.TrainSeconds));
            losses.AddRange(saved.Losses);
        }
        var clock = Stopwatch.StartNew();
        _model.train();

        for (var step = first; step < totalSteps; step++)
        {
            cancellation.ThrowIfCancellationRequested();
            var lr = _args.LearningRate * LrSchedule.Multiplier(_args.LrSchedulerType, step, totalSteps, warmup);
            foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;

            // One optimizer step = accumulation × batch examples; the loss is the mean over all
            // scored tokens of the whole step, however they are split into micro-batches.
            var stepExamples = Enumerable.Range(0, examplesPerStep)
                .Select(_ => data[order.Next()]).ToList();
            double scored = stepExamples.Sum(e => e.ScoredTokens);
            optimizer.zero_grad();
            var stepLoss = 0.0;
            foreach (var micro in stepExamples.Chunk(_args.BatchSize))
            {
                using var scope = NewDisposeScope();
                using var batch = CausalLmBatch.Collate(micro, _padId, _model.Device);
                var logits = _model.Forward(batch.InputIds, batch.AttentionMask);
                var loss = batch.SummedLoss(logits) / scored;
                loss.backward();
                stepLoss += loss.item<float>();
                tokens += batch.RealTokens;
            }
            masters.CopyGradients();
            var gradNorm = _args.MaxGradNorm > 0
                ? nn.utils.clip_grad_norm_(trainable, _args.MaxGradNorm)
                : double.NaN;
            if (!double.IsFinite(stepLoss) || (_args.MaxGradNorm > 0 && !double.IsFinite(gradNorm)))
                throw new TrainingDivergedException(
                    $"training diverged at step {step + 1}/{totalSteps}: loss {stepLoss}, gradient norm {gradNorm}, " +
                    $"learning rate {lr:G3} (the weights are those before this step; try a lower learning_rate or check the data)");
            optimizer.step();
            masters.CopyWeights();

            losses.Add(stepLoss);
            var elapsed = before + clock.Elapsed;
            if (checkpoints is not null && _args.SaveSteps > 0 && (step + 1) % _args.SaveSteps == 0 && step + 1 < totalSteps)
                checkpoints.Save(new TrainingCheckpoints.SavedState(step + 1, totalSteps, losses, tokens, elapsed.TotalSeconds),
                    named.Select(p => (p.Name, (Tensor)p.Parameter)), optimizer);
            progress?.Report(new TrainingProgress(step + 1, totalSteps, order.Epoch, stepLoss, lr, gradNorm,
                tokens / Math.Max(1e-9, elapsed.TotalSeconds), elapsed));
        }
        _model.eval();
        return new TrainingResult(totalSteps, losses, tokens, before + clock.Elapsed) { ResumedFromStep = first > 0 ? first : null };
    }

    /// <summary>Mean loss per scored token over <paramref name="examples"/> (no gradients).</summary>
    public static double EvaluateLoss(LlamaForCausalLM model, IReadOnlyList<TokenizedExample> examples, int batchSize = 16,
        int maxSeqLength = int.MaxValue)
    {
        var padId = model.Config.PadTokenId ?? model.Config.EosTokenId ?? 0;
        var data = examples.Select(e => e.Truncated(maxSeqLength)).Where(e => e.ScoredTokens > 0).ToList();
        if (data.Count == 0) throw new InvalidInputException("evaluation set has no scored tokens");
        using var _ = no_grad();
        var wasTraining = model.training;
        model.eval();
        double sum = 0, count = 0;
        foreach (var chunk in data.Chunk(batchSize))
        {
            using var scope = NewDisposeScope();
            using var batch = CausalLmBatch.Collate(chunk, padId, model.Device);
            sum += batch.SummedLoss(model.Forward(batch.InputIds, batch.AttentionMask)).item<float>();
            count += chunk.Sum(e => e.ScoredTokens);
        }
        model.train(wasTraining);
        return sum / count;
    }

    /// <summary>AdamW over the trainable parameters (their float32 masters where they have one,
    /// <see cref="MasterWeights"/>); biases and norm weights get no weight decay (as transformers'
    /// Trainer does).</summary>
    private AdamW CreateOptimizer(IReadOnlyList<(string name, Parameter parameter)> named)
    {
        if (named.Count == 0) throw new InvalidOperationException("the model has no trainable parameters");
        static bool NoDecay(string name) => name.EndsWith(".bias", StringComparison.Ordinal) || name.Contains("norm", StringComparison.Ordinal);
        var groups = new List<AdamW.ParamGroup>
        {
            new(named.Where(p => !NoDecay(p.name)).Select(p => p.parameter), _args.LearningRate, _args.AdamBeta1, _args.AdamBeta2, _args.AdamEpsilon, _args.WeightDecay),
            new(named.Where(p => NoDecay(p.name)).Select(p => p.parameter), _args.LearningRate, _args.AdamBeta1, _args.AdamBeta2, _args.AdamEpsilon, 0.0),
        };
        return optim.AdamW(groups.Where(g => g.Parameters.Any()), _args.LearningRate, _args.AdamBeta1, _args.AdamBeta2, _args.AdamEpsilon, _args.WeightDecay);
    }

    /// <summary>Visits the examples in a fresh seeded shuffle each epoch.</summary>
    private sealed class EpochOrder(int count, int seed)
    {
        private readonly Random _random = new(seed);
        private int[] _order = [];
        private int _position;
        private int _epochs = -1;

        public double Epoch => Math.Max(0, _epochs) + _position / (double)count;

        public int Next()
        {
            if (_position >= _order.Length)
            {
                _order = Enumerable.Range(0, count).ToArray();
                _random.Shuffle(_order);
                _position = 0;
                _epochs++;
            }
            return _order[_position++];
        }
    }
}
