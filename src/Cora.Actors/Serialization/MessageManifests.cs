using System.Runtime.Serialization;
using Cora.Actors.Coordinator;
using Cora.Actors.Scheduling;
using Cora.Actors.Trainer;

namespace Cora.Actors.Serialization;

/// <summary>
/// The stable wire name of every <see cref="ICoraMessage"/> type. Names are part of the journal
/// format: never rename or reuse one; a new type gets a new name. A test checks that every
/// message type in the assembly is listed.
/// </summary>
public static class MessageManifests
{
    private static readonly (string Name, Type Type)[] Table =
    [
        // Journaled coordinator events.
        ("sweep-submitted", typeof(SweepSubmitted)),
        ("sweep-stored", typeof(SweepStored)),
        ("trial-assigned", typeof(TrialAssigned)),
        ("trial-succeeded", typeof(TrialSucceeded)),
        ("trial-attempt-failed", typeof(TrialAttemptFailed)),
        ("trial-requeued", typeof(TrialRequeued)),
        ("duplicate-result-dropped", typeof(DuplicateResultDropped)),
        ("coordinator-snapshot", typeof(CoordinatorSnapshot)),
        ("sweep-cancelled", typeof(SweepCancelled)),
        ("sweep-retried", typeof(SweepRetried)),
        // Coordinator protocol.
        ("submit-sweep", typeof(SubmitSweep)),
        ("submit-stored-sweep", typeof(SubmitStoredSweep)),
        ("sweep-accepted", typeof(SweepAccepted)),
        ("request-trial", typeof(RequestTrial)),
        ("run-trial", typeof(RunTrial)),
        ("cancel-trial", typeof(CancelTrial)),
        ("trial-progressed", typeof(TrialProgressed)),
        ("trial-completed", typeof(TrialCompleted)),
        ("trial-failed", typeof(TrialFailed)),
        ("get-sweep-status", typeof(GetSweepStatus)),
        ("get-sweep-results", typeof(GetSweepResults)),
        ("sweep-status", typeof(SweepStatus)),
        ("sweep-results", typeof(SweepResults)),
        ("trial-declined", typeof(TrialDeclined)),
        ("get-trainers", typeof(GetTrainers)),
        ("trainer-list", typeof(TrainerList)),
        ("list-sweeps", typeof(ListSweeps)),
        ("sweep-list", typeof(SweepList)),
        ("cancel-sweep", typeof(CancelSweep)),
        ("retry-sweep", typeof(RetrySweep)),
        ("get-trial", typeof(GetTrial)),
        ("trial-detail", typeof(TrialDetail)),
        ("get-overview", typeof(GetOverview)),
        ("coordinator-overview", typeof(CoordinatorOverview)),
        ("attempt-alive", typeof(AttemptAlive)),
        ("result-recorded", typeof(ResultRecorded)),
        ("trainer-quarantined", typeof(TrainerQuarantined)),
        // Console ↔ command host.
        ("console-request", typeof(Control.ConsoleRequest)),
        ("console-refused", typeof(Control.ConsoleRefused)),
        ("console-unavailable", typeof(Control.ConsoleUnavailable)),
        ("cluster-view", typeof(Control.ClusterView)),
        ("console-done", typeof(Control.ConsoleDone)),
        ("plan-part-stored", typeof(Control.PlanPartStored)),
        ("trial-log", typeof(Control.TrialLog)),
        // Answered by a restarting supervisor itself (a singleton's readiness).
        ("supervisor-ping", typeof(Persistence.SupervisorPing)),
        ("supervisor-pong", typeof(Persistence.SupervisorPong)),
        // Journaled scheduler events.
        ("schedule-added", typeof(ScheduleAdded)),
        ("schedule-removed", typeof(ScheduleRemoved)),
        ("slot-fired", typeof(SlotFired)),
        ("slot-skipped", typeof(SlotSkipped)),
        // Scheduler protocol.
        ("add-schedule", typeof(AddSchedule)),
        ("remove-schedule", typeof(RemoveSchedule)),
        ("list-schedules", typeof(ListSchedules)),
        ("run-schedule-now", typeof(RunScheduleNow)),
        ("scheduler-tick", typeof(SchedulerTick)),
        ("schedule-rejected", typeof(ScheduleRejected)),
        ("slot-outcome", typeof(SlotOutcome)),
        ("schedule-view", typeof(ScheduleView)),
        ("schedule-list", typeof(ScheduleList)),
        // Trainer ↔ loader, basis extractor, evaluator.
        ("check-checkpoints", typeof(CheckCheckpoints)),
        ("checkpoints-checked", typeof(CheckpointsChecked)),
        ("ensure-basis", typeof(EnsureBasis)),
        ("basis-ready", typeof(BasisReady)),
        ("basis-failed", typeof(BasisFailed)),
        ("score-predictions", typeof(ScorePredictions)),
        ("predictions-scored", typeof(PredictionsScored)),
        ("scoring-failed", typeof(ScoringFailed)),
    ];

    private static readonly Dictionary<Type, string> Names = Table.ToDictionary(t => t.Type, t => t.Name);
    private static readonly Dictionary<string, Type> Types = Table.ToDictionary(t => t.Name, t => t.Type, StringComparer.Ordinal);

    public static IEnumerable<Type> All => Types.Values;

    public static string NameOf(Type type) => Names.TryGetValue(type, out var name)
        ? name
        : throw new SerializationException($"{type.FullName} has no manifest name; add it to {nameof(MessageManifests)}");

    public static Type TypeOf(string manifest) => Types.TryGetValue(manifest, out var type)
        ? type
        : throw new SerializationException($"unknown message manifest \"{manifest}\" (written by a newer Cora?)");
}
