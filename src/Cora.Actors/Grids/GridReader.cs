using Cora.Training;
using Cora.Training.Basis;
using Cora.Training.Lora;
using Cora.Training.Scoring.BertScore;
using Cora.Training.Model;
using Cora.Training.FineTuning;
using Cora.Training.Trials;
using Cora.Training.Zoo;

namespace Cora.Actors.Grids;

/// <summary>
/// Reads a grid file into a <see cref="GridSpec"/> and rejects a bad one before anything runs:
/// unknown keys, impossible values, k larger than the pool, missing files, ranks the base model
/// cannot hold. Every message names the file and the offending HOCON path. Relative paths are
/// taken from the working directory, as a user typing <c>cora run</c> expects.
/// </summary>
public static class GridReader
{
    public static GridSpec Read(string path, Func<string, string?>? environment = null)
    {
        var config = HoconFile.Load(path, environment);
        var rootValue = config.Root;
        if (!rootValue.IsObject()) throw new InvalidInputException($"{path}: expected a HOCON object with a grid {{ … }} block");
        var root = new HoconNode(rootValue.GetObject(), "", path);
        if (!root.Has("grid")) throw root.Error("grid", "missing (a grid file holds one grid { … } block)");
        var grid = root.GetObject("grid");
        root.RejectUnknownKeys();

        var spec = ReadGrid(grid, path);
        grid.RejectUnknownKeys();
        return spec;
    }

    private static GridSpec ReadGrid(HoconNode grid, string file)
    {
        // vars { … }: the user's own values for substitutions (model and data roots); not read here.
        grid.GetObject("vars");
        var zoo = grid.GetOptionalString("zoo") is { } z ? Path.GetFullPath(z) : null;
        var zooPreset = grid.GetOptionalString("zoo-preset");
        if (zooPreset is not null && !ZooPreset.Names.Contains(zooPreset))
            throw grid.Error("zoo-preset", $"\"{zooPreset}\" is not one of {string.Join(", ", ZooPreset.Names)}");
        if (zooPreset is not null && zoo is null) throw grid.Error("zoo", "missing (zoo-preset needs the directory to make the zoo in)");
        var zooSources = grid.GetInt("zoo-sources", SyntheticTasks.Sources.Count);
        if (zooSources < 1 || zooSources > SyntheticTasks.Sources.Count)
            throw grid.Error("zoo-sources", $"must be between 1 and {SyntheticTasks.Sources.Count} (one source task each), got {zooSources}");

        var sources = grid.GetObject("sources");
        var pool = sources.GetStrings("pool", []).Select(Path.GetFullPath).ToList();
        var counts = sources.GetInts("counts", pool.Count == 0 ? [] : [pool.Count]);
        var drawSeed = sources.GetInt("draw-seed", 0);
        sources.RejectUnknownKeys();
        if (pool.Distinct().Count() != pool.Count) throw sources.Error("pool", "lists a model twice");
        for (var i = 0; i < counts.Count; i++)
        {
            if (counts[i] < 1) throw sources.Error($"counts[{i}]", $"must be at least 1 (got {counts[i]})");
            if (counts[i] > pool.Count) throw sources.Error($"counts[{i}]", $"{counts[i]} sources asked for, but the pool has {pool.Count}");
        }

        var methods = grid.GetStrings("methods").Select((name, i) => Parse(() => LoraMethods.Parse(name), grid, $"methods[{i}]")).ToList();
        if (methods.Count == 0) throw grid.Error("methods", "is empty");
        if (methods.Any(m => m.NeedsBasis()) && pool.Count == 0) throw sources.Error("pool", "is empty, but cora-fb / cora-tb need source models");
        if (methods.Any(m => m.NeedsBasis()) && counts.Count == 0) throw sources.Error("counts", "is empty, but cora-fb / cora-tb need source counts");

        var basis = grid.GetObject("basis");
        var basisMode = Parse(() => BasisModes.Parse(basis.GetString("mode", "shared-qkv")), basis, "mode");
        var basisMethod = Parse(() => BasisMethods.Parse(basis.GetString("method", "eigh")), basis, "method");
        basis.RejectUnknownKeys();

        var datasets = grid.GetObjects("datasets").Select(ReadDataset).ToList();
        if (datasets.Count == 0) throw grid.Error("datasets", "is empty");
        var duplicate = datasets.GroupBy(d => d.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw grid.Error("datasets", $"name \"{duplicate.Key}\" is used twice");

        var ranks = Positive(grid, "ranks", grid.GetInts("ranks", []));
        var ablationRanks = Positive(grid, "ablation-ranks", grid.GetInts("ablation-ranks", ranks));
        if (ranks.Count == 0 && methods.Any(m => m.UsesAdapters() && !m.IsAblation())) throw grid.Error("ranks", "is empty");
        if (ablationRanks.Count == 0 && methods.Any(m => m.IsAblation())) throw grid.Error("ablation-ranks", "is empty");
        var seeds = grid.GetInts("seeds", [0]);
        if (seeds.Count == 0) throw grid.Error("seeds", "is empty");
        var aInits = grid.GetStrings("a-inits", [TrialDefaults.AInitChoice.Name()])
            .Select((name, i) => Parse(() => AInits.Parse(name), grid, $"a-inits[{i}]")).Distinct().ToList();
        if (aInits.Count == 0) throw grid.Error("a-inits", "is empty");

        var lora = grid.GetObject("lora");
        var alphaPerRank = lora.GetDouble("alpha-per-rank", TrialDefaults.AlphaPerRank);
        var dropout = lora.GetDouble("dropout", TrialDefaults.LoraDropout);
        var targets = lora.GetStrings("target-modules", LoraConfig.DefaultTargets);
        var rslora = lora.GetBool("use-rslora", false);
        lora.RejectUnknownKeys();
        if (alphaPerRank <= 0) throw lora.Error("alpha-per-rank", $"must be positive (got {alphaPerRank})");
        if (dropout is < 0 or >= 1) throw lora.Error("dropout", $"must be in [0, 1) (got {dropout})");

        var training = ReadTraining(grid.GetObject("training"));
        var generation = grid.GetObject("generation");
        var maxNewTokens = generation.GetInt("max-new-tokens", TrialDefaults.MaxNewTokens);
        var generationBatch = generation.GetInt("batch-size", TrialDefaults.GenerationBatchSize);
        var limit = generation.GetOptionalInt("limit");
        generation.RejectUnknownKeys();
        if (maxNewTokens < 1) throw generation.Error("max-new-tokens", $"must be at least 1 (got {maxNewTokens})");
        if (generationBatch < 1) throw generation.Error("batch-size", $"must be at least 1 (got {generationBatch})");
        if (limit is < 1) throw generation.Error("limit", $"must be at least 1 (got {limit})");

        var evaluation = grid.GetObject("evaluation");
        var metrics = evaluation.GetStrings("metrics", Training.Scoring.Evaluation.TextOnly);
        for (var i = 0; i < metrics.Count; i++)
        {
            if (!Training.Scoring.Evaluation.Available.Contains(metrics[i]))
                throw evaluation.Error($"metrics[{i}]", $"unknown metric \"{metrics[i]}\" (available: {string.Join(", ", Training.Scoring.Evaluation.Available)})");
        }
        var bertScore = ReadBertScore(evaluation.GetObject("bertscore"), metrics.Contains(Training.Scoring.Evaluation.BertScoreName));
        evaluation.RejectUnknownKeys();

        var trials = grid.GetObject("trials");
        var timeout = trials.GetDuration("timeout", TimeSpan.FromHours(6));
        var attempts = trials.GetInt("max-attempts", 3);
        var abandons = trials.GetInt("max-abandons", GridSpec.DefaultMaxAbandons);
        var device = trials.GetString("device", "cpu");
        trials.RejectUnknownKeys();
        if (timeout <= TimeSpan.Zero || timeout > TrialPlan.MaxTimeout)
            throw trials.Error("timeout", $"must be positive and at most {TrialPlan.MaxTimeout.TotalDays:F0} days (got {timeout})");
        if (attempts < 1 || attempts > TrialPlan.AttemptsLimit)
            throw trials.Error("max-attempts", $"must be between 1 and {TrialPlan.AttemptsLimit} (got {attempts})");
        if (abandons < 1 || abandons > TrialPlan.AttemptsLimit)
            throw trials.Error("max-abandons", $"must be between 1 and {TrialPlan.AttemptsLimit} (got {abandons})");
        if (!Placement.IsDeviceName(device)) throw trials.Error("device", $"\"{device}\" is not cpu, cuda or cuda:N");

        return new GridSpec
        {
            File = Path.GetFullPath(file),
            Name = grid.GetString("name"),
            Zoo = zoo,
            ZooPreset = zooPreset,
            ZooSources = zooSources,
            BaseModel = Path.GetFullPath(grid.GetString("base")),
            SourcePool = pool,
            SourceCounts = counts.Distinct().ToList(),
            DrawSeed = drawSeed,
            BasisMode = basisMode,
            BasisMethod = basisMethod,
            Datasets = datasets,
            Methods = methods.Distinct().ToList(),
            Ranks = ranks,
            AblationRanks = ablationRanks,
            Seeds = seeds.Distinct().ToList(),
            AInits = aInits,
            AlphaPerRank = alphaPerRank,
            LoraDropout = dropout,
            TargetModules = targets,
            UseRslora = rslora,
            Training = training,
            MaxNewTokens = maxNewTokens,
            GenerationBatchSize = generationBatch,
            GenerationLimit = limit,
            Metrics = metrics.Distinct().ToList(),
            BertScore = bertScore,
            TrialTimeout = timeout,
            MaxAttempts = attempts,
            MaxAbandons = abandons,
            Device = device,
        };
    }

    /// <summary>
    /// The checks that need the files (run after the zoo exists): every path is there, the base
    /// config reads, and every rank fits the adapted projections.
    /// </summary>
    public static GridSpec CheckFiles(GridSpec spec)
    {
        void Need(bool exists, string key, string path)
        {
            if (!exists) throw new InvalidInputException($"{spec.File}: grid.{key}: {path} does not exist");
        }
        Need(File.Exists(Path.Combine(spec.BaseModel, LlamaCheckpoint.ConfigFileName)), "base", Path.Combine(spec.BaseModel, LlamaCheckpoint.ConfigFileName));
        for (var i = 0; i < spec.SourcePool.Count; i++)
            Need(File.Exists(Path.Combine(spec.SourcePool[i], LlamaCheckpoint.ConfigFileName)), $"sources.pool[{i}]", Path.Combine(spec.SourcePool[i], LlamaCheckpoint.ConfigFileName));
        for (var i = 0; i < spec.Datasets.Count; i++)
        {
            Need(File.Exists(spec.Datasets[i].Train), $"datasets[{i}].train", spec.Datasets[i].Train);
            Need(File.Exists(spec.Datasets[i].Eval), $"datasets[{i}].eval", spec.Datasets[i].Eval);
        }
        if (spec.BertScore is { } bert)
        {
            Need(File.Exists(Path.Combine(bert.Model, "config.json")), "evaluation.bertscore.model", Path.Combine(bert.Model, "config.json"));
            if (bert.Baseline is { } baseline) Need(File.Exists(baseline), "evaluation.bertscore.baseline", baseline);
        }
        var config = LlamaConfig.Load(Path.Combine(spec.BaseModel, LlamaCheckpoint.ConfigFileName));
        var limit = MaxRank(config, spec.TargetModules);
        foreach (var (key, ranks) in new[] { ("ranks", spec.Ranks), ("ablation-ranks", spec.AblationRanks) })
        {
            for (var i = 0; i < ranks.Count; i++)
            {
                if (ranks[i] > limit)
                    throw new InvalidInputException($"{spec.File}: grid.{key}[{i}]: rank {ranks[i]} is larger than the base model allows ({limit}, the smallest side of the adapted projections)");
            }
        }
        return spec;
    }

    /// <summary>The smallest side of any adapted projection: no rank above it is meaningful.</summary>
    public static int MaxRank(LlamaConfig config, IReadOnlyList<string> targets)
    {
        var kv = config.NumKeyValueHeads * config.HeadDim;
        var q = config.NumAttentionHeads * config.HeadDim;
        return targets.Select(t => t switch
        {
            "q_proj" or "o_proj" => Math.Min(config.HiddenSize, q),
            "k_proj" or "v_proj" => Math.Min(config.HiddenSize, kv),
            _ => Math.Min(config.HiddenSize, config.IntermediateSize),
        }).DefaultIfEmpty(config.HiddenSize).Min();
    }

    /// <summary>evaluation.bertscore { model, layer, idf, baseline, batch-size }: needed exactly when
    /// the metrics ask for bertscore. A Llama model is base mode (labelled not comparable).</summary>
    private static BertScoreOptions? ReadBertScore(HoconNode node, bool wanted)
    {
        var model = node.GetOptionalString("model");
        var options = model is null ? null : new BertScoreOptions(Path.GetFullPath(model))
        {
            Layer = node.GetOptionalInt("layer"),
            Idf = node.GetBool("idf", false),
            Baseline = node.GetOptionalString("baseline") is { } baseline ? Path.GetFullPath(baseline) : null,
            BatchSize = node.GetInt("batch-size", 64),
        };
        node.RejectUnknownKeys();
        if (wanted && options is null) throw node.Error("model", "missing (metrics ask for bertscore: give a BERT/RoBERTa checkpoint, or a Llama one for base mode)");
        if (!wanted && options is not null) throw node.Error("model", "given, but metrics do not ask for bertscore");
        if (options is { Layer: < 0 }) throw node.Error("layer", $"must be ≥ 0 (got {options.Layer})");
        if (options is { BatchSize: < 1 }) throw node.Error("batch-size", $"must be at least 1 (got {options.BatchSize})");
        return options;
    }

    private static GridDataset ReadDataset(HoconNode node)
    {
        var dataset = new GridDataset(node.GetString("name"), Path.GetFullPath(node.GetString("train")), Path.GetFullPath(node.GetString("eval")));
        node.RejectUnknownKeys();
        return dataset;
    }

    /// <summary>The training block uses Hugging Face TrainingArguments names, as training_args.json does.</summary>
    private static TrainingArgs ReadTraining(HoconNode node)
    {
        var defaults = TrialDefaults.Training;
        var args = new TrainingArgs
        {
            LearningRate = node.GetDouble("learning_rate", defaults.LearningRate),
            WeightDecay = node.GetDouble("weight_decay", defaults.WeightDecay),
            AdamBeta1 = node.GetDouble("adam_beta1", defaults.AdamBeta1),
            AdamBeta2 = node.GetDouble("adam_beta2", defaults.AdamBeta2),
            AdamEpsilon = node.GetDouble("adam_epsilon", defaults.AdamEpsilon),
            MaxGradNorm = node.GetDouble("max_grad_norm", defaults.MaxGradNorm),
            NumTrainEpochs = node.GetDouble("num_train_epochs", defaults.NumTrainEpochs),
            MaxSteps = node.GetInt("max_steps", defaults.MaxSteps),
            BatchSize = node.GetInt("per_device_train_batch_size", defaults.BatchSize),
            EvalBatchSize = node.GetInt("per_device_eval_batch_size", defaults.EvalBatchSize),
            GradientAccumulationSteps = node.GetInt("gradient_accumulation_steps", defaults.GradientAccumulationSteps),
            WarmupSteps = node.GetInt("warmup_steps", defaults.WarmupSteps),
            WarmupRatio = node.GetDouble("warmup_ratio", defaults.WarmupRatio),
            LrSchedulerType = node.GetString("lr_scheduler_type", defaults.LrSchedulerType),
            MaxSeqLength = node.GetInt("max_seq_length", defaults.MaxSeqLength),
            SaveSteps = node.GetInt("save_steps", defaults.SaveSteps),
            GradientCheckpointing = node.GetBool("gradient_checkpointing", defaults.GradientCheckpointing),
        };
        node.RejectUnknownKeys();
        return args.Validated($"{node.Source}: {node.Path}");
    }

    private static List<int> Positive(HoconNode node, string key, IReadOnlyList<int> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] < 1) throw node.Error($"{key}[{i}]", $"rank must be at least 1 (got {values[i]})");
        }
        return values.Distinct().ToList();
    }

    private static T Parse<T>(Func<T> parse, HoconNode node, string key)
    {
        try
        {
            return parse();
        }
        catch (InvalidInputException e)
        {
            throw node.Error(key, e.Message);
        }
    }
}
