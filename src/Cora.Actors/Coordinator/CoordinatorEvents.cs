using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Actors.Grids;
using Cora.Actors.Serialization;

namespace Cora.Actors.Coordinator;

/// <summary>What the <see cref="SweepCoordinator"/> journals. Replaying these in order through
/// <see cref="SweepBook.Apply"/> rebuilds its whole state. Fields added later must be optional.</summary>
public interface ICoordinatorEvent : ICoraMessage;

/// <summary>A grid was submitted (the first time: resubmitting a known sweep journals nothing).
/// Its plan is in the plan store (<see cref="PlanStore"/>); the event holds only the reference,
/// so its size does not grow with the sweep.</summary>
public sealed record SweepStored(
    [property: JsonPropertyName("plan")] PlanRef Plan,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ICoordinatorEvent;

/// <summary>A grid was submitted with its whole plan inside the event: what journals written
/// before the plan store hold. Replayed, never written.</summary>
public sealed record SweepSubmitted(
    [property: JsonPropertyName("plan")] SweepPlan Plan,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ICoordinatorEvent;

/// <summary>A trainer slot got a trial; <paramref name="Attempt"/> counts from 1.</summary>
public sealed record TrialAssigned(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("trainer")] string Trainer,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("slot")] int Slot,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ICoordinatorEvent;

/// <summary>The first successful result of a trial: its corpus metrics and run summary.</summary>
public sealed record TrialSucceeded(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, JsonElement> Metrics,
    [property: JsonPropertyName("output_dir")] string OutputDir,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ICoordinatorEvent;

/// <summary>An attempt failed. <paramref name="Deterministic"/>: retrying cannot help (bad config,
/// bad data), so the trial fails at once.</summary>
public sealed record TrialAttemptFailed(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("deterministic")] bool Deterministic,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ICoordinatorEvent;

/// <summary>An attempt was abandoned through no fault of the trial (its trainer or node went away
/// or failed, its lease lapsed, its sweep was cancelled): the trial is pending again and the
/// attempt does not count toward <c>max-attempts</c>.</summary>
/// <param name="Declined">The trainer was busy and sent the assignment back at once: nothing
/// ran, so it is not listed among the trial's attempts (added later: optional).</param>
/// <param name="Counted">The abandon counts toward the trial's <c>max-abandons</c> (the attempt
/// was lost, not stopped on purpose); at the cap the trial fails (added later: optional, and
/// older events count nothing).</param>
/// <param name="NodeFault">The trainer's node failed the attempt: the trial avoids that node
/// while another one can take it (added later: optional).</param>
public sealed record TrialRequeued(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("declined")] bool Declined = false,
    [property: JsonPropertyName("counted")] bool Counted = false,
    [property: JsonPropertyName("node_fault")] bool NodeFault = false) : ICoordinatorEvent;

/// <summary>A result arrived for a trial that already had one; it was dropped, and counted.</summary>
public sealed record DuplicateResultDropped(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ICoordinatorEvent;

/// <summary>A sweep was cancelled: its pending trials are not handed out and its running attempts
/// are stopped (requeued, not failed) — unless another live sweep shares them.</summary>
public sealed record SweepCancelled(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ICoordinatorEvent;

/// <summary>A sweep was resumed; <paramref name="FailedTrials"/> (its failed trials, when asked
/// for) start over with a fresh attempt budget.</summary>
public sealed record SweepRetried(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("failed_trials")] IReadOnlyList<string> FailedTrials,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ICoordinatorEvent;
