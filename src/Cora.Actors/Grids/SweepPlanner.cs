using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cora.Training.Basis;
using Cora.Training.Lora;
using Cora.Training.Scoring.BertScore;
using Cora.Training.Trials;

namespace Cora.Actors.Grids;

/// <summary>
/// Expands a grid into trials. Axes multiply only the methods that depend on them: lora, pissa and
/// mica-fb run at every rank but not per source count; cora-fb / cora-tb at every rank and source
/// count; the ablations at the ablation ranks; full-ft once per dataset and seed; the A inits
/// (a-inits) multiply only the methods that start B non-zero. Each trial's id
/// is a hash of its canonical config — method, rank, the content hashes of base, sources and data,
/// and every setting that changes its result — never of paths or of the grid's name.
/// </summary>
public static class SweepPlanner
{
    /// <summary>Length of ids in hex characters (64 bits: no collisions at any grid size we run).</summary>
    public const int IdLength = 16;

    public static SweepPlan Plan(GridSpec grid, ContentHashes hashes)
    {
        var baseHash = hashes.OfCheckpoint(grid.BaseModel);
        var scorer = grid.BertScore is { } bert
            // The layer as scoring will choose it, not as written: a default layer depends on the
            // checkpoint's names (directory, _name_or_path), which the content hash does not cover.
            ? new { model = hashes.OfCheckpoint(bert.Model), layer = BertScoreLayer.Choose(bert.Model, bert.Layer).Index, idf = bert.Idf, baseline = bert.Baseline is { } b ? hashes.OfFile(b) : null }
            : null;
        var sourceHashes = grid.SourcePool.ToDictionary(p => p, hashes.OfSource, StringComparer.Ordinal);
        var sourceSets = grid.SourceCounts.Select(k => Draw(grid.SourcePool, k, grid.DrawSeed)).ToList();
        var bases = new Dictionary<int, BasisPlan>();
        foreach (var set in sourceSets)
        {
            var maxRank = grid.Ranks.DefaultIfEmpty(1).Max();
            var identity = new
            {
                sources = set.Select(s => sourceHashes[s]).Order(StringComparer.Ordinal).ToArray(),
                mode = grid.BasisMode.Name(),
                method = grid.BasisMethod.Name(),
                max_rank = maxRank,
            };
            bases[set.Count] = new BasisPlan
            {
                BasisId = Hash(identity),
                Sources = set,
                MaxRank = maxRank,
                Mode = grid.BasisMode.Name(),
                Method = grid.BasisMethod.Name(),
            };
        }

        var trials = new List<TrialPlan>();
        foreach (var dataset in grid.Datasets)
        {
            var data = new { train = hashes.OfFile(dataset.Train), eval = hashes.OfFile(dataset.Eval) };
            foreach (var seed in grid.Seeds)
            {
                foreach (var method in grid.Methods)
                {
                    var ranks = !method.UsesAdapters() ? [0] : method.IsAblation() ? grid.AblationRanks : grid.Ranks;
                    var sets = method.NeedsBasis() ? sourceSets.Select(s => (IReadOnlyList<string>?)s).ToList() : [null];
                    var aInits = method.TakesAInit() ? grid.AInits : [TrialDefaults.AInitChoice];
                    foreach (var rank in ranks)
                    {
                        foreach (var set in sets)
                        {
                            foreach (var aInit in aInits)
                            {
                                trials.Add(Trial(grid, method, rank, aInit, set is null ? null : bases[set.Count], dataset, seed,
                                    new { @base = baseHash, data, sources = set?.Select(s => sourceHashes[s]).Order(StringComparer.Ordinal).ToArray(), scorer }));
                            }
                        }
                    }
                }
            }
        }
        var duplicate = trials.GroupBy(t => t.TrialId).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidOperationException($"two trials of {grid.File} share id {duplicate.Key}: the planner must give each distinct config its own");
        return new SweepPlan
        {
            SweepId = SweepIdOf(trials.Select(t => t.TrialId)),
            Name = grid.Name,
            GridFile = grid.File,
            Trials = trials,
        };
    }

    /// <summary>A sweep's id: the hash of its trials' ids, in order.</summary>
    public static string SweepIdOf(IEnumerable<string> trialIds) => Hash(new { trials = trialIds.ToArray() });

    /// <summary>k sources drawn from the pool: a seeded shuffle, then the first k, so the sets for
    /// growing k are nested (1 ⊂ 2 ⊂ … ⊂ pool) and a source-count curve changes one thing at a time.</summary>
    public static IReadOnlyList<string> Draw(IReadOnlyList<string> pool, int k, int seed)
    {
        var order = pool.ToArray();
        new Random(seed).Shuffle(order);
        return order.Take(k).ToList();
    }

    private static TrialPlan Trial(GridSpec grid, LoraMethod method, int rank, AInit aInit, BasisPlan? basis, GridDataset dataset, int seed, object content)
    {
        var adapters = method.UsesAdapters();
        var spec = new TrialSpec
        {
            BaseModel = grid.BaseModel,
            TrainData = dataset.Train,
            EvalData = dataset.Eval,
            Method = method.Name(),
            Rank = adapters ? rank : 8,
            LoraAlpha = grid.AlphaPerRank * (adapters ? rank : 8),
            LoraDropout = grid.LoraDropout,
            TargetModules = grid.TargetModules,
            UseRslora = grid.UseRslora,
            AInit = aInit.Name(),
            Training = grid.Training with { Seed = seed },
            MaxNewTokens = grid.MaxNewTokens,
            GenerationBatchSize = grid.GenerationBatchSize,
            GenerationLimit = grid.GenerationLimit,
            Seed = seed,
            Device = grid.Device,
        };
        var identity = new
        {
            content,
            method = method.Name(),
            rank = adapters ? rank : 0,
            basis = basis is null ? null : new { mode = basis.Mode, method = basis.Method },
            lora = adapters ? new { alpha = spec.LoraAlpha, dropout = spec.LoraDropout, targets = spec.TargetModules, rslora = spec.UseRslora } : null,
            // How a trial runs, not what it computes (the same weights either way, like the device):
            // checkpoint intervals and gradient checkpointing give the same trial, under the same id.
            training = spec.Training with { SaveSteps = 0, GradientCheckpointing = false },
            generation = new { max_new_tokens = spec.MaxNewTokens, batch_size = spec.GenerationBatchSize, limit = spec.GenerationLimit },
            metrics = grid.Metrics,
            seed,
        };
        // Kaiming, the paper's init, was the only one before the choice existed: its trials keep
        // the ids they had, and A = 0 makes another trial.
        object id = aInit == AInit.Kaiming ? identity : new { identity, a_init = aInit.Name() };
        return new TrialPlan
        {
            TrialId = Hash(id),
            Method = method.Name(),
            Rank = adapters ? rank : 0,
            Sources = basis?.Sources.Count ?? 0,
            AInit = method.TakesAInit() ? aInit.Name() : null,
            Dataset = dataset.Name,
            Seed = seed,
            Basis = basis,
            Spec = spec,
            Metrics = grid.Metrics,
            BertScore = grid.BertScore,
            TimeoutSeconds = grid.TrialTimeout.TotalSeconds,
            MaxAttempts = grid.MaxAttempts,
            MaxAbandons = grid.MaxAbandons,
        };
    }

    /// <summary>Hex SHA-256 prefix of the value's JSON (property order is declaration order, so stable).</summary>
    public static string Hash(object value) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value))))[..IdLength];
}
