using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Actors.Grids;
using Cora.Actors.Serialization;

namespace Cora.Actors.Coordinator;

/// <summary>
/// The whole <see cref="SweepBook"/> at one journal position, so that recovery replays only the
/// events after it instead of a sweep's entire history. Same version rules as events: fields
/// added later must be optional.
/// </summary>
public sealed record CoordinatorSnapshot(
    [property: JsonPropertyName("sweeps")] IReadOnlyList<SweepPlan> Sweeps,
    [property: JsonPropertyName("trials")] IReadOnlyList<TrialSnapshot> Trials,
    [property: JsonPropertyName("next_order")] long NextOrder) : ICoraMessage
{
    /// <summary>Sweeps whose plans are in the plan store, in submission order after
/// <see cref="Sweeps"/>, which holds only plans journaled whole before the store existed (added
/// later: optional).</summary>
    [JsonPropertyName("stored_sweeps")] public IReadOnlyList<PlanRef>? StoredSweeps { get; init; }

    /// <summary>Cancelled sweeps (added after the first snapshot format: optional).</summary>
    [JsonPropertyName("cancelled")] public IReadOnlyList<string>? Cancelled { get; init; }
}

/// <summary>One trial's state in a <see cref="CoordinatorSnapshot"/> (its plan is in the sweeps).</summary>
public sealed record TrialSnapshot(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("order")] long Order,
    [property: JsonPropertyName("state")] TrialState State,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("failed_attempts")] int FailedAttempts,
    [property: JsonPropertyName("trainer")] string? Trainer,
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("slot")] int Slot,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, JsonElement>? Metrics,
    [property: JsonPropertyName("output_dir")] string? OutputDir,
    [property: JsonPropertyName("failure_reason")] string? FailureReason,
    [property: JsonPropertyName("duplicates_dropped")] int DuplicatesDropped,
    [property: JsonPropertyName("history")] IReadOnlyList<AttemptRecord> History)
{
    /// <summary>Counted abandons so far (added later: optional).</summary>
    [JsonPropertyName("abandons")] public int Abandons { get; init; }

    /// <summary>Nodes where an attempt failed because of the node (added later: optional).</summary>
    [JsonPropertyName("faulted_nodes")] public IReadOnlyList<string>? FaultedNodes { get; init; }

    /// <summary>The attempt whose result was recorded (added later: optional).</summary>
    [JsonPropertyName("succeeded_attempt")] public int? SucceededAttempt { get; init; }
}
