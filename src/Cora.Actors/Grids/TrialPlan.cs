using System.Text.Json.Serialization;
using Cora.Training.Scoring.BertScore;
using Cora.Training.Trials;

namespace Cora.Actors.Grids;

/// <summary>
/// One trial of a sweep: the axes it sits on (for tables) and the full spec the trainer runs. Its
/// id is the hash of its canonical config (<see cref="SweepPlanner"/>), so the same trial in a
/// resubmitted or another grid is recognised and never run twice.
/// </summary>
public sealed record TrialPlan
{
    /// <summary>The longest timeout a trial may have (grid <c>trials.timeout</c>; the coordinator
    /// refuses more from a console): a week, several times the longest run we plan (48 h).</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);

    /// <summary>The most attempts a trial may be allowed (grid <c>trials.max-attempts</c>); more
    /// only burns GPU time on a trial that keeps failing.</summary>
    public const int AttemptsLimit = 20;

    [JsonPropertyName("trial_id")] public required string TrialId { get; init; }
    [JsonPropertyName("method")] public required string Method { get; init; }
    /// <summary>LoRA rank; 0 for full-ft.</summary>
    [JsonPropertyName("rank")] public required int Rank { get; init; }
    /// <summary>Number of source models in the basis; 0 for methods that use none.</summary>
    [JsonPropertyName("sources")] public required int Sources { get; init; }
    /// <summary>How lora_A started (kaiming, zeros) for methods that have the choice; null for the others.</summary>
    [JsonPropertyName("a_init")] public string? AInit { get; init; }
    [JsonPropertyName("dataset")] public required string Dataset { get; init; }
    [JsonPropertyName("seed")] public required int Seed { get; init; }
    /// <summary>The basis to extract (or reuse) before training; null for methods without one.</summary>
    [JsonPropertyName("basis")] public BasisPlan? Basis { get; init; }
    /// <summary>What `cora trial exec` runs; its <see cref="TrialSpec.Basis"/> is filled in by the trainer.</summary>
    [JsonPropertyName("spec")] public required TrialSpec Spec { get; init; }
    [JsonPropertyName("metrics")] public required IReadOnlyList<string> Metrics { get; init; }
    /// <summary>BERTScore settings when <see cref="Metrics"/> has bertscore.</summary>
    [JsonPropertyName("bertscore")] public BertScoreOptions? BertScore { get; init; }
    [JsonPropertyName("timeout_seconds")] public required double TimeoutSeconds { get; init; }
    [JsonPropertyName("max_attempts")] public required int MaxAttempts { get; init; }
    /// <summary>Abandoned attempts (trainer lost, lease lapsed, node fault) before the trial is
    /// failed: a trial that kills every node it runs on is not requeued forever (added later:
    /// optional, so plans journaled before it get the default).</summary>
    [JsonPropertyName("max_abandons")] public int MaxAbandons { get; init; } = GridSpec.DefaultMaxAbandons;

    /// <summary>Where this trial's attempts write, in an artifact store.</summary>
    public string DirectoryIn(string artifacts) => Path.Combine(artifacts, "trials", TrialId);
}
