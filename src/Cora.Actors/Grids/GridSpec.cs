using Cora.Training.Basis;
using Cora.Training.Lora;
using Cora.Training.Scoring.BertScore;
using Cora.Training.FineTuning;
using Cora.Training.Trials;

namespace Cora.Actors.Grids;

/// <summary>
/// A grid as its HOCON file states it (<c>hocon/grids/*.conf</c>, read by <see cref="GridReader"/>):
/// what to train on, which methods, ranks, source counts and seeds, and the settings every trial
/// shares. <see cref="SweepPlanner"/> turns it into trials.
/// </summary>
public sealed record GridSpec
{
    /// <summary>The file the grid was read from (for messages).</summary>
    public required string File { get; init; }
    public required string Name { get; init; }
    /// <summary>Zoo directory, when the grid runs on a Cora zoo.</summary>
    public string? Zoo { get; init; }
    /// <summary>Preset to make the zoo with when <see cref="Zoo"/> has no zoo.json yet (null: never make it).</summary>
    public string? ZooPreset { get; init; }
    /// <summary>How many source models a zoo made for this grid gets (one source task each).</summary>
    public int ZooSources { get; init; } = Cora.Training.Zoo.SyntheticTasks.Sources.Count;
    public required string BaseModel { get; init; }
    /// <summary>Fine-tuned source models the common basis is extracted from.</summary>
    public required IReadOnlyList<string> SourcePool { get; init; }
    /// <summary>How many sources (k of the pool) the CoRA trials use; one set per count.</summary>
    public required IReadOnlyList<int> SourceCounts { get; init; }
    /// <summary>Seeds the draw of k sources from the pool.</summary>
    public int DrawSeed { get; init; }
    public BasisMode BasisMode { get; init; } = BasisMode.SharedQkv;
    public BasisMethod BasisMethod { get; init; } = BasisMethods.Default;
    public required IReadOnlyList<GridDataset> Datasets { get; init; }
    public required IReadOnlyList<LoraMethod> Methods { get; init; }
    /// <summary>Ranks of lora, cora-fb/tb, pissa and mica-fb.</summary>
    public required IReadOnlyList<int> Ranks { get; init; }
    /// <summary>Ranks of the ablations zeros-fb, ones-fb, random-fb.</summary>
    public required IReadOnlyList<int> AblationRanks { get; init; }
    public required IReadOnlyList<int> Seeds { get; init; }
    /// <summary>How lora_A starts, for the methods that have the choice (<see cref="Training.Lora.AInits.TakesAInit"/>);
    /// the others run once, with their own init.</summary>
    public IReadOnlyList<AInit> AInits { get; init; } = [TrialDefaults.AInitChoice];
    /// <summary>lora_alpha = this × rank (2 gives PEFT's usual scaling of 2).</summary>
    public double AlphaPerRank { get; init; } = TrialDefaults.AlphaPerRank;
    public double LoraDropout { get; init; } = TrialDefaults.LoraDropout;
    public IReadOnlyList<string> TargetModules { get; init; } = LoraConfig.DefaultTargets;
    public bool UseRslora { get; init; }
    public required TrainingArgs Training { get; init; }
    public int MaxNewTokens { get; init; } = TrialDefaults.MaxNewTokens;
    public int GenerationBatchSize { get; init; } = TrialDefaults.GenerationBatchSize;
    public int? GenerationLimit { get; init; }
    public required IReadOnlyList<string> Metrics { get; init; }
    /// <summary>How to compute BERTScore when <see cref="Metrics"/> asks for it.</summary>
    public BertScoreOptions? BertScore { get; init; }
    /// <summary>A trial attempt running longer than this is killed and counted as failed.</summary>
    public TimeSpan TrialTimeout { get; init; } = TimeSpan.FromHours(6);
    /// <summary>Attempts per trial before it is marked failed (deterministic failures get one).</summary>
    public int MaxAttempts { get; init; } = 3;
    /// <summary>Abandoned attempts per trial (not its fault: node lost or failing) before it is failed.</summary>
    public int MaxAbandons { get; init; } = DefaultMaxAbandons;
    public const int DefaultMaxAbandons = 5;
    public string Device { get; init; } = "cpu";
}

/// <summary>A training/eval pair of alpaca JSONL files under a short name.</summary>
public sealed record GridDataset(string Name, string Train, string Eval);
