using System.Diagnostics;
using System.Text.Json;
using Cora.Training.Basis;
using Cora.Training.Data;
using Cora.Training.Diagnostics;
using Cora.Training.Generation;
using Cora.Training.IO;
using Cora.Training.Lora;
using Cora.Training.Memory;
using Cora.Training.Model;
using Cora.Training.Tokenizers;
using Cora.Training.FineTuning;

namespace Cora.Training.Trials;

/// <summary>
/// One trial end to end: load the base, attach the method's adapters (or none, for full-ft),
/// train, measure the eval loss of the base, at the start (adapters attached, before step 1) and
/// after training, answer the eval set greedily, save the adapter in PEFT layout (or the full
/// checkpoint), and record what happened. Output directory:
/// <c>trial.json</c> (the spec), <c>training_args.json</c>, <c>adapter/</c> or <c>model/</c>,
/// <c>predictions.jsonl</c>, and <c>result.json</c> last — a directory with a result.json is complete.
/// A trial whose memory estimate exceeds what its device offers is refused before the base is
/// loaded (<see cref="MemoryCheck"/>).
/// </summary>
public static class TrialRunner
{
    public const string ResultFileName = "result.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <param name="checkpointDir">The trial's checkpoint directory, the same for all its attempts
    /// (<see cref="TrainingCheckpoints"/>): training resumes from the newest checkpoint there and
    /// saves new ones every <c>save_steps</c>; it is deleted once the trial has succeeded. Null: none.</param>
    public static TrialResult Run(TrialSpec spec, string outputDir, IProgress<TrialProgress>? progress = null,
        string? checkpointDir = null, CancellationToken cancellation = default)
    {
        spec.Validated();
        var placement = Placement.Parse(spec.Device);
        var clock = Stopwatch.StartNew();
        using var memory = PeakMemory.Start(TimeSpan.FromMilliseconds(50));
        var method = spec.ParsedMethod;
        var train = AlpacaDataset.Load(spec.TrainData);
        var eval = AlpacaDataset.Load(spec.EvalData);
        Directory.CreateDirectory(outputDir);
        AtomicFile.WriteAllText(Path.Combine(outputDir, "trial.json"), JsonSerializer.Serialize(spec, Json) + "\n");

        // Refused before anything large is loaded when it cannot fit (its config.json alone tells).
        var setup = TrainingSetup.Of(spec, LlamaCheckpoint.LoadConfig(spec.BaseModel));
        MemoryCheck.EnsureFits(setup, DeviceMemory.Capacity(spec.Device), spec.Device);

        progress?.Report(new TrialProgress("loading base model"));
        using var model = LlamaCheckpoint.Load(spec.BaseModel, placement);
        var tokenizer = TokenizerLoader.Load(spec.BaseModel);
        var trainSet = train.Select(e => InstructionEncoder.Encode(tokenizer, e)).ToList();
        var evalSet = eval.Select(e => InstructionEncoder.Encode(tokenizer, e)).ToList();
        var args = spec.Training with { Seed = spec.Seed };
        progress?.Report(new TrialProgress("evaluating the base"));
        var evalBase = Trainer.EvaluateLoss(model, evalSet, args.EvalBatchSize, args.MaxSeqLength);

        IReadOnlyList<LoraSite> sites;
        using (var basis = spec.Basis is null ? null : BasisFile.Open(spec.Basis))
        {
            sites = LoraInjector.Inject(model, spec.ToLoraConfig(), method, spec.Seed,
                basis is null ? null : (layer, projection) => basis.Basis(layer, projection, spec.Rank), spec.ParsedAInit);
        }
        var counts = ParameterCounts.Of(model);
        // Where training starts: full-ft starts at the base by definition; an adapter may not.
        double? startDisplacement = sites.Count == 0 ? null : LoraInjector.StartDisplacement(sites);
        var evalInit = sites.Count == 0 ? evalBase : Trainer.EvaluateLoss(model, evalSet, args.EvalBatchSize, args.MaxSeqLength);

        var checkpoints = checkpointDir is null ? null : new TrainingCheckpoints(checkpointDir, Fingerprint(spec));
        var stage = new TrialProgress($"training {method.Name()}");
        progress?.Report(stage);
        var training = new Trainer(model, args).Train(trainSet,
            progress is null ? null : new SyncProgress<TrainingProgress>(p => progress.Report(stage with { Training = p })), checkpoints, cancellation);
        var evalAfter = Trainer.EvaluateLoss(model, evalSet, args.EvalBatchSize, args.MaxSeqLength);
        args.Save(outputDir);

        var toAnswer = spec.GenerationLimit is { } limit ? eval.Take(limit).ToList() : eval;
        var generating = new TrialProgress("generating", Generated: 0, ToGenerate: toAnswer.Count);
        progress?.Report(generating);
        var predictions = InstructionGenerator.Generate(model, tokenizer, toAnswer, spec.MaxNewTokens, spec.GenerationBatchSize,
            progress is null ? null : new SyncProgress<int>(n => progress.Report(generating with { Generated = n })), cancellation);
        var predictionsPath = Path.Combine(outputDir, "predictions.jsonl");
        Prediction.Save(predictionsPath, predictions);

        progress?.Report(new TrialProgress("saving"));
        var modelDir = Path.Combine(outputDir, method.UsesAdapters() ? "adapter" : "model");
        if (method.UsesAdapters())
        {
            PeftAdapter.Save(model, spec.ToLoraConfig(), modelDir);
        }
        else
        {
            LlamaCheckpoint.Save(model, modelDir);
            TokenizerLoader.CopyFiles(spec.BaseModel, modelDir);
        }

        var result = new TrialResult
        {
            Method = method.Name(),
            Rank = method.UsesAdapters() ? spec.Rank : 0,
            TrainableParameters = counts.Trainable,
            TotalParameters = counts.Total,
            Steps = training.Steps,
            TrainLossFirst = training.Losses[0],
            TrainLossFinal = training.FinalLoss,
            TrainLosses = training.Losses,
            EvalLossBase = evalBase,
            EvalLossInit = evalInit,
            InitDeltaRatio = startDisplacement,
            EvalLossAfter = evalAfter,
            ResumedFromStep = training.ResumedFromStep,
            TrainSeconds = Math.Round(training.Elapsed.TotalSeconds, 2),
            WallSeconds = Math.Round(clock.Elapsed.TotalSeconds, 2),
            TokensPerSecond = Math.Round(training.Tokens / Math.Max(1e-9, training.Elapsed.TotalSeconds), 1),
            PeakMemoryBytes = memory.PeakAnonBytes > 0 ? memory.PeakAnonBytes : null,
            OutputDir = Path.GetFullPath(outputDir),
            ModelDir = Path.GetFullPath(modelDir),
            Predictions = Path.GetFullPath(predictionsPath),
        };
        AtomicFile.WriteAllText(Path.Combine(outputDir, ResultFileName), JsonSerializer.Serialize(result, Json) + "\n");
        checkpoints?.Delete();
        return result;
    }

    /// <summary>What a checkpoint must have been taken from to be resumed: the spec, whatever its
    /// checkpoint interval.</summary>
    private static string Fingerprint(TrialSpec spec) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
        JsonSerializer.SerializeToUtf8Bytes(spec with { Training = spec.Training with { SaveSteps = 0 } })));
}
