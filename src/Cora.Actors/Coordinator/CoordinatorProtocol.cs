using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Actors.Grids;
using Cora.Actors.Serialization;

namespace Cora.Actors.Coordinator;

/// <summary>Messages to and from the <see cref="SweepCoordinator"/>.</summary>
public interface ICoordinatorMessage : ICoraMessage;

/// <summary>Submit a planned grid. Reply: <see cref="SweepAccepted"/>. Resubmitting is harmless.</summary>
/// <summary>Submits a plan held in this process: the coordinator stores it (<see cref="PlanStore"/>)
/// and journals the reference. In-process only (<c>cora run</c>, tests): across nodes a plan
/// travels as <see cref="SubmitStoredSweep"/>. Reply: <see cref="SweepAccepted"/>, or a
/// <c>Status.Failure</c> when the store cannot be written.</summary>
public sealed record SubmitSweep([property: JsonPropertyName("plan")] SweepPlan Plan) : ICoordinatorMessage;

/// <summary>Submits a plan already in the plan store (by the console's command host or the
/// scheduler): a small message for a sweep of any size. Reply: <see cref="SweepAccepted"/>, or a
/// <c>Status.Failure</c> naming the file when the plan is missing or not the one referenced.</summary>
public sealed record SubmitStoredSweep([property: JsonPropertyName("plan")] PlanRef Plan) : ICoordinatorMessage;

/// <param name="New">False when the sweep was known already (its finished trials are kept).</param>
public sealed record SweepAccepted(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("new")] bool New,
    [property: JsonPropertyName("counts")] SweepCounts Counts) : ICoordinatorMessage;

/// <summary>A trainer slot asks for work (work pulling). The coordinator answers with
/// <see cref="RunTrial"/> now or as soon as a trial is pending; it watches the sender, and a
/// trainer that stops has its running trials requeued.</summary>
/// <param name="Incarnation">Made afresh each time the trainer actor starts: a trainer that
/// restarted (same actor ref, so no Terminated) asks with a new one, and the attempts its previous
/// incarnation held are requeued at once (optional on the wire: older trainers send none).</param>
public sealed record RequestTrial(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("slot")] int Slot,
    [property: JsonPropertyName("incarnation")] string? Incarnation = null) : ICoordinatorMessage;

/// <summary>Trainer → coordinator, every <c>cora.trainer.heartbeat-every</c> while an attempt
/// runs: renews the attempt's lease. An attempt whose lease lapses (<c>cora.coordinator.lease</c>)
/// is requeued; a heartbeat for an attempt that is no longer current is answered with
/// <see cref="CancelTrial"/>, so a trainer never runs work nobody waits for.</summary>
public sealed record AttemptAlive(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("slot")] int Slot,
    [property: JsonPropertyName("incarnation")] string Incarnation) : ICoordinatorMessage;

/// <summary>Coordinator → trainer: the result (<see cref="TrialCompleted"/> or
/// <see cref="TrialFailed"/>) of this attempt is journaled, or was not needed; the trainer stops
/// sending it again. A trainer re-sends a result until this arrives, so a result sent while the
/// coordinator was down or moving is not lost.</summary>
public sealed record ResultRecorded(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt) : ICoordinatorMessage;

/// <summary>Trainer → coordinator: this slot stopped pulling work after consecutive node faults
/// (<c>cora.trainer.quarantine-after</c>) and re-checks itself every
/// <c>cora.trainer.recheck-every</c>; repeated at that pace, so a coordinator that moved learns it.
/// The slot rejoins with a plain <see cref="RequestTrial"/>.</summary>
public sealed record TrainerQuarantined(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("slot")] int Slot,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("since")] DateTimeOffset Since) : ICoordinatorMessage;

/// <summary>Coordinator → trainer: run this attempt of this trial.</summary>
public sealed record RunTrial(
    [property: JsonPropertyName("plan")] TrialPlan Plan,
    [property: JsonPropertyName("attempt")] int Attempt) : ICoordinatorMessage;

/// <summary>Trainer → coordinator: I was already busy when this assignment arrived (an idle
/// trainer repeats its <see cref="RequestTrial"/>, and the repeat can cross an assignment in
/// flight). The trial goes back to pending; the attempt does not count.</summary>
public sealed record TrialDeclined(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt) : ICoordinatorMessage;

/// <summary>Reply: <see cref="TrainerList"/>, every trainer slot the coordinator knows.</summary>
public sealed record GetTrainers : ICoordinatorMessage
{
    public static readonly GetTrainers Instance = new();
}

/// <param name="Node">The trainer's node (its cluster address).</param>
/// <param name="Busy">Running a trial now.</param>
/// <param name="Quarantined">Why the slot stopped pulling work (node faults), or null.</param>
public sealed record TrainerSlot(
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("slot")] int Slot,
    [property: JsonPropertyName("busy")] bool Busy,
    [property: JsonPropertyName("quarantined"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Quarantined = null);

public sealed record TrainerList([property: JsonPropertyName("trainers")] IReadOnlyList<TrainerSlot> Trainers) : ICoordinatorMessage;

/// <summary>Reply: <see cref="SweepList"/>, every sweep in submission order.</summary>
public sealed record ListSweeps : ICoordinatorMessage
{
    public static readonly ListSweeps Instance = new();
}

public sealed record SweepSummary(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("counts")] SweepCounts Counts);

public sealed record SweepList([property: JsonPropertyName("sweeps")] IReadOnlyList<SweepSummary> Sweeps) : ICoordinatorMessage;

/// <summary>Coordinator → trainer: stop this attempt (another attempt already produced the result).</summary>
public sealed record CancelTrial(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("reason")] string Reason) : ICoordinatorMessage;

/// <summary>Trainer → coordinator, while a trial runs (kept in memory, not journaled).</summary>
public sealed record TrialProgressed(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("step")] int? Step = null,
    [property: JsonPropertyName("total_steps")] int? TotalSteps = null,
    [property: JsonPropertyName("loss")] double? Loss = null,
    [property: JsonPropertyName("tokens_per_second")] double? TokensPerSecond = null) : ICoordinatorMessage
{
    /// <summary>This report on top of <paramref name="previous"/> of the same attempt: a stage
    /// change without figures (e.g. "scoring") keeps the last step, loss and throughput seen. Step
    /// and total travel as a pair: a report with either one replaces both, so a training step is
    /// never shown against the total of the generation that follows it.</summary>
    public TrialProgressed After(TrialProgressed? previous) => previous is null || previous.Attempt != Attempt ? this : this with
    {
        Step = Step is null && TotalSteps is null ? previous.Step : Step,
        TotalSteps = Step is null && TotalSteps is null ? previous.TotalSteps : TotalSteps,
        Loss = Loss ?? previous.Loss,
        TokensPerSecond = TokensPerSecond ?? previous.TokensPerSecond,
    };
}

/// <summary>Trainer → coordinator: the attempt finished and was scored.</summary>
public sealed record TrialCompleted(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, JsonElement> Metrics,
    [property: JsonPropertyName("output_dir")] string OutputDir) : ICoordinatorMessage;

/// <summary>Trainer → coordinator: the attempt failed; <paramref name="Deterministic"/> when a retry cannot help.</summary>
/// <param name="NodeFault">The node failed, not the trial (a missing mount, an I/O or permission
/// error, no space, the OOM killer, a stage past its deadline): the trial is requeued to run
/// elsewhere and the attempt counts as abandoned, not failed (optional on the wire).</param>
public sealed record TrialFailed(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("deterministic")] bool Deterministic,
    [property: JsonPropertyName("node_fault")] bool NodeFault = false) : ICoordinatorMessage;

/// <summary>Reply: <see cref="SweepStatus"/> (state "unknown" for an id never submitted).</summary>
public sealed record GetSweepStatus([property: JsonPropertyName("sweep_id")] string SweepId) : ICoordinatorMessage;

/// <summary>Reply: <see cref="SweepResults"/>, one row per trial of the sweep in plan order, from
/// trial <paramref name="Offset"/> on, at most <paramref name="Limit"/> of them (null: all of them,
/// for a caller on the coordinator's own node; the console asks page by page, since one remote
/// message is bounded by Akka's frame size).</summary>
public sealed record GetSweepResults(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("offset")] int Offset = 0,
    [property: JsonPropertyName("limit")] int? Limit = null) : ICoordinatorMessage;

public sealed record SweepCounts(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("pending")] int Pending,
    [property: JsonPropertyName("running")] int Running,
    [property: JsonPropertyName("succeeded")] int Succeeded,
    [property: JsonPropertyName("failed")] int Failed)
{
    [JsonIgnore] public int Finished => Succeeded + Failed;
}

public sealed record RunningTrial(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("gpu")] int Slot,
    [property: JsonPropertyName("stage")] string? Stage,
    [property: JsonPropertyName("step")] int? Step,
    [property: JsonPropertyName("total_steps")] int? TotalSteps,
    [property: JsonPropertyName("loss")] double? Loss,
    [property: JsonPropertyName("tokens_per_second")] double? TokensPerSecond = null);

public sealed record TrialFailure(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("reason")] string Reason);

/// <param name="State">running | completed (every trial succeeded) | failed (all finished, some failed) | unknown.</param>
public sealed record SweepStatus(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("counts")] SweepCounts Counts,
    [property: JsonPropertyName("running")] IReadOnlyList<RunningTrial> Running,
    [property: JsonPropertyName("failures")] IReadOnlyList<TrialFailure> Failures,
    [property: JsonPropertyName("duplicates_dropped")] int DuplicatesDropped) : ICoordinatorMessage;

/// <summary>One row of results.json: the trial's axes, how it ended, and its corpus metrics.</summary>
/// <param name="OutputDir">The succeeded attempt's directory in the artifact store (result.json,
/// predictions.jsonl, metrics.json); null while the trial has none, and in rows from older nodes.</param>
public sealed record TrialRow(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("sources")] int Sources,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("attempts")] int Attempts,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, JsonElement> Metrics,
    [property: JsonPropertyName("failure")] string? Failure = null,
    [property: JsonPropertyName("output_dir")] string? OutputDir = null,
    [property: JsonPropertyName("a_init"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? AInit = null);

/// <param name="Rows">The rows asked for: trials <paramref name="Offset"/> to Offset + Rows.Count − 1.</param>
/// <param name="Total">The sweep's trials (0: no such sweep).</param>
public sealed record SweepResults(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("rows")] IReadOnlyList<TrialRow> Rows,
    [property: JsonPropertyName("offset")] int Offset,
    [property: JsonPropertyName("total")] int Total) : ICoordinatorMessage
{
    /// <summary>The rows of every trial of a sweep, asked for at once.</summary>
    public static SweepResults Whole(string sweepId, IReadOnlyList<TrialRow> rows) => new(sweepId, rows, 0, rows.Count);
}

/// <summary>Reply: <see cref="SweepStatus"/> after the cancellation (state "unknown": no such sweep).</summary>
public sealed record CancelSweep([property: JsonPropertyName("sweep_id")] string SweepId) : ICoordinatorMessage;

/// <summary>Resume a cancelled sweep; with <paramref name="Failed"/> its failed trials run again.
/// Reply: <see cref="SweepStatus"/>.</summary>
public sealed record RetrySweep(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("failed")] bool Failed) : ICoordinatorMessage;

/// <summary>Reply: <see cref="CoordinatorOverview"/>, what a dashboard shows, in one answer.</summary>
public sealed record GetOverview : ICoordinatorMessage
{
    public static readonly GetOverview Instance = new();
}

/// <summary>A failed or abandoned attempt, for the list of recent failures.</summary>
public sealed record RecentFailure(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("rank")] int Rank,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("at")] DateTimeOffset At);

/// <param name="Trials">Every distinct trial the coordinator knows, by state (a trial shared by
/// two sweeps counts once).</param>
/// <param name="Running">Every running attempt with its latest progress.</param>
/// <param name="Failures">The latest failed or abandoned attempts, newest first.</param>
public sealed record CoordinatorOverview(
    [property: JsonPropertyName("sweeps")] IReadOnlyList<SweepSummary> Sweeps,
    [property: JsonPropertyName("trials")] SweepCounts Trials,
    [property: JsonPropertyName("running")] IReadOnlyList<RunningTrial> Running,
    [property: JsonPropertyName("failures")] IReadOnlyList<RecentFailure> Failures,
    [property: JsonPropertyName("trainers")] IReadOnlyList<TrainerSlot> Trainers) : ICoordinatorMessage;

/// <summary>Reply: <see cref="TrialDetail"/> (<c>Plan</c> null: no such trial).</summary>
public sealed record GetTrial([property: JsonPropertyName("trial_id")] string TrialId) : ICoordinatorMessage;

public sealed record TrialDetail(
    [property: JsonPropertyName("plan")] TrialPlan? Plan,
    [property: JsonPropertyName("state")] TrialSnapshot? State) : ICoordinatorMessage;
