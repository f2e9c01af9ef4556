using System.Diagnostics;
using Cora.Training.Data;
using Cora.Training.IO;
using Cora.Training.Model;
using Cora.Training.Tokenizers;
using Cora.Training.FineTuning;
using static TorchSharp.torch;

namespace Cora.Training.Zoo;

/// <summary>What to make: where, which preset, how many source models, from which seed.</summary>
public sealed record ZooOptions(string Directory, string Preset = "micro", int Sources = 5, int Seed = 0);

/// <summary>Reported while a zoo is made: the stage, and the training step inside it.</summary>
public sealed record ZooProgress(string Stage, int StageIndex, int StageCount, TrainingProgress? Training = null);

/// <summary>
/// Makes the tiny model zoo: the paper's situation at small scale. A base Llama is pretrained
/// briefly on a mixture of synthetic tasks; each of <c>n</c> source models is then fully
/// fine-tuned from the base on a different source task (as the paper's five Llama-2-13B
/// fine-tunes are); two target datasets shaped like the paper's (alpaca-style instructions and
/// text-to-code) are written for LoRA/CoRA experiments. Deterministic from the seed.
/// Layout: <c>base/</c>, <c>sources/src-i/</c> (HF checkpoints with their byte-level tokenizer and
/// the <c>training_args.json</c> that made them),
/// <c>data/&lt;task&gt;/{train,eval}.jsonl</c>, and <c>zoo.json</c>, written last.
/// </summary>
public static class ZooMaker
{
    /// <summary>Makes the zoo, or returns the existing one when a complete zoo with the same
    /// options is already there (Made = false).</summary>
    public static (ZooManifest Manifest, bool Made) Make(ZooOptions options, IProgress<ZooProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        var preset = ZooPreset.Get(options.Preset);
        if (options.Sources < 1 || options.Sources > SyntheticTasks.Sources.Count)
            throw new InvalidInputException($"--sources must be between 1 and {SyntheticTasks.Sources.Count} (one source task each), got {options.Sources}");
        var directory = Path.GetFullPath(options.Directory);
        if (ExistingZoo(directory, options) is { } existing) return (existing, false);

        var clock = Stopwatch.StartNew();
        var stageCount = 2 + options.Sources;
        var tokenizer = ByteTokenizer.Create();

        // 1. Data: train/eval splits of every task.
        progress?.Report(new ZooProgress("writing datasets", 1, stageCount));
        var tasks = SyntheticTasks.Sources.Concat(SyntheticTasks.Targets).ToList();
        var splits = tasks.ToDictionary(t => t, t => SyntheticTasks.Split(t, preset.TrainExamples, preset.EvalExamples, options.Seed));
        var datasets = tasks.Select(t => WriteDataset(directory, t, splits[t])).ToList();
        var evalSets = tasks.ToDictionary(t => t, t => splits[t].Eval.Select(e => InstructionEncoder.Encode(tokenizer, e)).ToList());

        // 2. Base: brief language-model pretraining on the mixture of every task.
        var stage = new ZooProgress("pretraining base", 2, stageCount);
        progress?.Report(stage);
        using var model = new LlamaForCausalLM(preset.Model);
        model.InitializeWeights(options.Seed);
        var initialLoss = EvalLosses(model, evalSets);
        var mixture = tasks.SelectMany(t => splits[t].Train).Select(e => InstructionEncoder.EncodeForPretraining(tokenizer, e)).ToList();
        var pretraining = new Trainer(model, preset.Pretraining with { Seed = options.Seed })
            .Train(mixture, Report(progress, stage), cancellation: cancellation);
        var baseLoss = EvalLosses(model, evalSets);
        var baseModel = SaveModel(model, directory, "base", "mixture", preset.Pretraining with { Seed = options.Seed },
            pretraining, initialLoss, baseLoss);

        // 3. Sources: each fully fine-tuned from the base on its own task (loss on responses).
        var sources = new List<ZooModel>();
        for (var i = 0; i < options.Sources; i++)
        {
            var task = SyntheticTasks.Sources[i];
            stage = new ZooProgress($"fine-tuning src-{i} on {task}", 3 + i, stageCount);
            progress?.Report(stage);
            using var source = LlamaCheckpoint.Load(Path.Combine(directory, baseModel.Path));
            var train = splits[task].Train.Select(e => InstructionEncoder.Encode(tokenizer, e)).ToList();
            var args = preset.FineTuning with { Seed = options.Seed + 1 + i };
            var result = new Trainer(source, args).Train(train, Report(progress, stage), cancellation: cancellation);
            sources.Add(SaveModel(source, directory, $"sources/src-{i}", task, args, result, baseLoss, EvalLosses(source, evalSets)));
        }

        var manifest = new ZooManifest
        {
            Preset = preset.Name,
            Seed = options.Seed,
            SourceCount = options.Sources,
            Parameters = model.parameters().Sum(p => p.numel()),
            Tokenizer = $"byte-level BPE with byte fallback (tokenizer.json, vocab {ByteTokenizer.VocabSize})",
            Datasets = datasets,
            Base = baseModel,
            Sources = sources,
            ElapsedSeconds = Math.Round(clock.Elapsed.TotalSeconds, 1),
        };
        manifest.Save(directory);
        return (manifest, true);
    }

    /// <summary>The complete zoo already in <paramref name="directory"/>, or null when there is
    /// none or it is incomplete (then it is made again). A zoo made with other options is an error:
    /// it is never overwritten silently.</summary>
    private static ZooManifest? ExistingZoo(string directory, ZooOptions options)
    {
        var existing = ZooManifest.TryLoad(directory);
        if (existing is null) return null;
        if (existing.Preset != options.Preset || existing.Seed != options.Seed || existing.SourceCount != options.Sources)
            throw new InvalidInputException(
                $"{directory} holds a zoo made with --preset {existing.Preset} --sources {existing.SourceCount} --seed {existing.Seed}; " +
                "choose another --out or delete it first");
        return existing.Problems(directory).Count == 0 ? existing : null;
    }

    private static ZooDataset WriteDataset(string directory, string task, TaskSplit split)
    {
        var train = $"data/{task}/train.jsonl";
        var eval = $"data/{task}/eval.jsonl";
        AlpacaDataset.Save(Path.Combine(directory, train), split.Train);
        AlpacaDataset.Save(Path.Combine(directory, eval), split.Eval);
        var definition = SyntheticTasks.Get(task);
        return new ZooDataset(task, SyntheticTasks.Targets.Contains(task) ? "target" : "source", definition.Description,
            train, eval, split.Train.Count, split.Eval.Count,
            FileHash.Sha256(Path.Combine(directory, train)), FileHash.Sha256(Path.Combine(directory, eval)));
    }

    private static ZooModel SaveModel(LlamaForCausalLM model, string directory, string relative, string task, TrainingArgs args,
        TrainingResult result, IReadOnlyDictionary<string, double> before, IReadOnlyDictionary<string, double> after)
    {
        var path = Path.Combine(directory, relative);
        ByteTokenizer.Save(path);
        args.Save(path);
        LlamaCheckpoint.Save(model, path);
        var weights = $"{relative}/model.safetensors";
        return new ZooModel(Path.GetFileName(relative), relative, task, weights, FileHash.Sha256(Path.Combine(directory, weights)),
            result.Steps, Math.Round(result.FinalLoss, 4), before, after);
    }

    private static Dictionary<string, double> EvalLosses(LlamaForCausalLM model, Dictionary<string, List<TokenizedExample>> evalSets) =>
        evalSets.ToDictionary(e => e.Key, e => Math.Round(Trainer.EvaluateLoss(model, e.Value), 4));

    private static SyncProgress<TrainingProgress>? Report(IProgress<ZooProgress>? progress, ZooProgress stage) =>
        progress is null ? null : new SyncProgress<TrainingProgress>(p => progress.Report(stage with { Training = p }));
}
