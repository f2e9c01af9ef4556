using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Cora.Actors.Monitoring;
using Cora.Actors.Persistence;

namespace Cora.Actors.Coordinator;

/// <summary>
/// Owns every sweep and trial (DESIGN.md §2). Event-sourced: each decision is journaled before it
/// takes effect, so a restart (or, in a cluster, the singleton moving) recovers exactly what was
/// decided. Trainers pull work with <see cref="RequestTrial"/>; the coordinator watches them and
/// requeues the trials of one that stops. After recovery nothing is known to be running — the
/// trainers that held attempts belonged to the previous incarnation — so every running trial is
/// requeued; should a late result of such an attempt still arrive, the first result wins and the
/// rest are counted and dropped. The rules themselves live in <see cref="SweepBook"/>.
/// </summary>
public sealed class SweepCoordinator : ReceivePersistentActor
{
    public const string DefaultPersistenceId = "sweep-coordinator";

    private readonly int _snapshotEvery;
    private SweepBook _book = new();
    private readonly Dictionary<IActorRef, (string Node, int Slot)> _idle = [];
    private readonly Dictionary<string, (IActorRef Ref, string Node, int Slot)> _trainers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrialProgressed> _progress = new(StringComparer.Ordinal);
    /// <summary>When each live attempt was assigned (this incarnation only), for its duration.</summary>
    private readonly Dictionary<string, (int Attempt, DateTimeOffset At)> _assignedAt = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _assigning;

    /// <param name="snapshotEvery">Save a snapshot after this many journaled events (0: never).</param>
    public SweepCoordinator(string persistenceId, int snapshotEvery)
    {
        PersistenceId = persistenceId;
        _snapshotEvery = snapshotEvery;
        Recover<SnapshotOffer>(offer => _book = SweepBook.Restore((CoordinatorSnapshot)offer.Snapshot));
        // A lambda, not the method group: a snapshot offer replaces _book.
        Recover<ICoordinatorEvent>(e => _book.Apply(e));
        Recover<RecoveryCompleted>(_ => RequeueAfterRestart());

        Command<SubmitSweep>(Submit);
        Command<RequestTrial>(Request);
        Command<TrialProgressed>(p =>
        {
            if (_book.Trial(p.TrialId) is { State: TrialState.Running } t && t.Attempt == p.Attempt)
                _progress[p.TrialId] = p.After(_progress.GetValueOrDefault(p.TrialId));
        });
        Command<TrialCompleted>(Complete);
        Command<TrialFailed>(Failed);
        Command<TrialDeclined>(declined =>
        {
            if (_book.Requeue(declined.TrialId, declined.Attempt, "the trainer was busy when the assignment arrived", DateTimeOffset.UtcNow) is { } e)
            {
                e = e with { Declined = true };
                PersistTimed(e, requeued =>
                {
                    Apply(requeued);
                    Dispatch();
                });
            }
        });
        Command<CancelSweep>(Cancel);
        Command<RetrySweep>(retry =>
        {
            var sender = Sender;
            if (_book.Retry(retry.SweepId, retry.Failed, DateTimeOffset.UtcNow) is not { } e)
            {
                sender.Tell(_book.Status(retry.SweepId, _progress));
                return;
            }
            PersistTimed(e, retried =>
            {
                Apply(retried);
                _log.Info("Sweep {0} resumed; {1} failed trial(s) run again", retried.SweepId, retried.FailedTrials.Count);
                sender.Tell(_book.Status(retried.SweepId, _progress));
                Dispatch();
            });
        });
        Command<GetTrial>(q => Sender.Tell(_book.Detail(q.TrialId)));
        Command<GetTrainers>(_ => Sender.Tell(new TrainerList(Trainers())));
        Command<GetOverview>(_ => Sender.Tell(_book.Overview(_progress, Trainers(), RecentFailures)));
        Command<ListSweeps>(_ => Sender.Tell(_book.List(_progress)));
        Command<Terminated>(t => TrainerStopped(t.ActorRef));
        Command<GetSweepStatus>(q => Sender.Tell(_book.Status(q.SweepId, _progress)));
        Command<GetSweepResults>(q => Sender.Tell(_book.Results(q.SweepId)));
        Command<SaveSnapshotSuccess>(saved =>
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(failed => _log.Warning("Snapshot failed (recovery will replay more events): {0}", failed.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failed => _log.Warning("Old snapshots not deleted: {0}", failed.Cause.Message));
    }

    /// <summary>How many failed or abandoned attempts <see cref="GetOverview"/> lists.</summary>
    private const int RecentFailures = 20;

    private List<TrainerSlot> Trainers() => _trainers
        .Select(t => new TrainerSlot(t.Value.Node, t.Value.Slot, _book.Running.Any(r => r.Trainer == t.Key)))
        .OrderBy(t => t.Node, StringComparer.Ordinal).ThenBy(t => t.Slot).ToList();

    /// <summary>Applies a journaled event, and every <c>snapshotEvery</c> events saves the book.
    /// Live events only (recovery applies to the book directly), so the durations recorded here
    /// are of attempts this incarnation saw start.</summary>
    private void Apply(ICoordinatorEvent e)
    {
        _book.Apply(e);
        RecordDuration(e);
        if (_snapshotEvery > 0 && LastSequenceNr % _snapshotEvery == 0) SaveSnapshot(_book.Snapshot());
    }

    private void RecordDuration(ICoordinatorEvent e)
    {
        var (trialId, attempt, at, outcome) = e switch
        {
            TrialAssigned a => (a.TrialId, a.Attempt, a.At, null),
            TrialSucceeded s => (s.TrialId, s.Attempt, s.At, "succeeded"),
            TrialAttemptFailed f => (f.TrialId, f.Attempt, f.At, "failed"),
            TrialRequeued r => (r.TrialId, r.Attempt, r.At, "abandoned"),
            _ => default((string?, int, DateTimeOffset, string?)),
        };
        if (trialId is null) return;
        if (outcome is null)
        {
            _assignedAt[trialId] = (attempt, at);
            return;
        }
        if (!_assignedAt.Remove(trialId, out var assigned) || assigned.Attempt != attempt || outcome == "abandoned") return;
        CoraMetrics.TrialDuration.Record((at - assigned.At).TotalSeconds,
            new KeyValuePair<string, object?>("method", _book.Trial(trialId)?.Plan.Method), new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary><see cref="Eventsourced.Persist{TEvent}"/>, timing how long the journal takes to
    /// confirm (<see cref="CoraMetrics.JournalLag"/>).</summary>
    private void PersistTimed<TEvent>(TEvent e, Action<TEvent> handler) where TEvent : ICoordinatorEvent
    {
        var started = Stopwatch.GetTimestamp();
        Persist(e, persisted =>
        {
            CoraMetrics.JournalLag.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            handler(persisted);
        });
    }

    /// <summary><see cref="Eventsourced.PersistAll{TEvent}"/>, timed like <see cref="PersistTimed{TEvent}"/>.</summary>
    private void PersistAllTimed<TEvent>(IEnumerable<TEvent> events, Action<TEvent> handler) where TEvent : ICoordinatorEvent
    {
        var started = Stopwatch.GetTimestamp();
        PersistAll(events, persisted =>
        {
            CoraMetrics.JournalLag.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            handler(persisted);
        });
    }

    public override string PersistenceId { get; }

    public static Props Props(string persistenceId = DefaultPersistenceId, int snapshotEvery = 500) =>
        Akka.Actor.Props.Create(() => new SweepCoordinator(persistenceId, snapshotEvery));

    /// <summary>The coordinator in words, for logs.</summary>
    public const string Description = "the sweep coordinator";

    // Akka.Persistence stops the actor after either; its RestartingSupervisor starts it again.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        JournalFailureLog.PersistFailed(_log, Description, cause, @event, sequenceNr);

    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        JournalFailureLog.RecoveryFailed(_log, Description, reason, message);

    private void RequeueAfterRestart()
    {
        var requeued = _book.RequeueAll("the coordinator restarted while this attempt ran", DateTimeOffset.UtcNow);
        if (requeued.Count > 0) _log.Info("Recovered; requeuing {0} trial(s) that were running", requeued.Count);
        PersistAllTimed(requeued, Apply);
    }

    private void Submit(SubmitSweep submit)
    {
        var e = _book.Submit(submit.Plan, DateTimeOffset.UtcNow);
        if (e is null)
        {
            Sender.Tell(new SweepAccepted(submit.Plan.SweepId, false, _book.Counts(submit.Plan.SweepId)));
            Dispatch();
            return;
        }
        var sender = Sender;
        PersistTimed(e, submitted =>
        {
            Apply(submitted);
            _log.Info("Sweep {0} ({1}) submitted with {2} trials", submitted.Plan.SweepId, submitted.Plan.Name, submitted.Plan.Trials.Count);
            sender.Tell(new SweepAccepted(submitted.Plan.SweepId, true, _book.Counts(submitted.Plan.SweepId)));
            Dispatch();
        });
    }

    private void Request(RequestTrial request)
    {
        var name = TrainerName(Sender);
        if (!_trainers.ContainsKey(name)) Context.Watch(Sender);
        _trainers[name] = (Sender, request.Node, request.Slot);
        _idle[Sender] = (request.Node, request.Slot);
        Dispatch();
    }

    /// <summary>Hands one pending trial to one idle trainer, then (once journaled) looks again.
    /// One at a time: the next choice must see the previous assignment applied.</summary>
    private void Dispatch()
    {
        if (_assigning || _idle.Count == 0 || !_book.HasPending) return;
        var (trainer, (node, slot)) = _idle.First();
        var e = _book.Assign(TrainerName(trainer), node, slot, DateTimeOffset.UtcNow)!;
        _idle.Remove(trainer);
        _assigning = true;
        PersistTimed(e, assigned =>
        {
            Apply(assigned);
            _assigning = false;
            _progress.Remove(assigned.TrialId);
            trainer.Tell(new RunTrial(_book.Trial(assigned.TrialId)!.Plan, assigned.Attempt));
            Dispatch();
        });
    }

    private void Complete(TrialCompleted done)
    {
        var before = _book.Trial(done.TrialId);
        var otherAttempt = before is { State: TrialState.Running } && before.Attempt != done.Attempt
            ? (before.Trainer, before.Attempt) : default;
        var e = _book.Succeed(done.TrialId, done.Attempt, done.Metrics, done.OutputDir, DateTimeOffset.UtcNow);
        if (e is null)
        {
            _log.Warning("Result for unknown trial {0} dropped", done.TrialId);
            return;
        }
        PersistTimed(e, recorded =>
        {
            Apply(recorded);
            _progress.Remove(done.TrialId);
            if (recorded is DuplicateResultDropped)
                _log.Info("Trial {0}: duplicate result of attempt {1} dropped", done.TrialId, done.Attempt);
            if (otherAttempt.Trainer is { } name && _trainers.TryGetValue(name, out var trainer))
                trainer.Ref.Tell(new CancelTrial(done.TrialId, otherAttempt.Attempt, $"attempt {done.Attempt} already succeeded"));
        });
    }

    private void Failed(TrialFailed failed)
    {
        var e = _book.Fail(failed.TrialId, failed.Attempt, failed.Reason, failed.Deterministic, DateTimeOffset.UtcNow);
        if (e is null)
        {
            _log.Info("Trial {0}: failure of attempt {1}, which is not current, ignored: {2}", failed.TrialId, failed.Attempt, failed.Reason);
            return;
        }
        PersistTimed(e, recorded =>
        {
            Apply(recorded);
            _progress.Remove(failed.TrialId);
            _log.Warning("Trial {0} attempt {1} failed: {2}", failed.TrialId, failed.Attempt, failed.Reason);
            Dispatch();
        });
    }

    /// <summary>Cancels a sweep: its running attempts (unless another live sweep wants them) are
    /// stopped on their trainers and requeued, so they stay pending while the sweep is cancelled.</summary>
    private void Cancel(CancelSweep cancel)
    {
        var sender = Sender;
        if (_book.Cancel(cancel.SweepId, DateTimeOffset.UtcNow) is not { } e)
        {
            sender.Tell(_book.Status(cancel.SweepId, _progress));
            return;
        }
        PersistTimed(e, cancelled =>
        {
            Apply(cancelled);
            var now = DateTimeOffset.UtcNow;
            var stopped = _book.Orphaned().Select(t => (t.Trainer, Event: _book.Requeue(t.Plan.TrialId, t.Attempt, "its sweep was cancelled", now)!)).ToList();
            foreach (var (trainer, requeue) in stopped)
            {
                if (trainer is not null && _trainers.TryGetValue(trainer, out var t))
                    t.Ref.Tell(new CancelTrial(requeue.TrialId, requeue.Attempt, "its sweep was cancelled"));
            }
            _log.Warning("Sweep {0} cancelled; {1} running attempt(s) stopped", cancelled.SweepId, stopped.Count);
            PersistAllTimed(stopped.Select(s => s.Event), Apply);
            // Replies after the requeues are journaled (Persist handlers run in order).
            DeferAsync(cancelled, _ => sender.Tell(_book.Status(cancelled.SweepId, _progress)));
        });
    }

    private void TrainerStopped(IActorRef trainer)
    {
        _idle.Remove(trainer);
        var name = TrainerName(trainer);
        _trainers.Remove(name);
        var requeued = _book.RequeueTrainer(name, $"trainer {trainer.Path} stopped", DateTimeOffset.UtcNow);
        if (requeued.Count > 0) _log.Warning("Trainer {0} stopped; requeuing {1} trial(s)", trainer.Path, requeued.Count);
        PersistAllTimed(requeued, e =>
        {
            Apply(e);
            Dispatch();
        });
    }

    /// <summary>A trainer's full path with its uid: a restarted trainer is a different trainer.</summary>
    private static string TrainerName(IActorRef trainer) => Akka.Serialization.Serialization.SerializedActorPath(trainer);
}
