using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Cora.Actors.Grids;
using Cora.Actors.Monitoring;
using Cora.Actors.Persistence;

namespace Cora.Actors.Coordinator;

/// <summary>
/// Owns every sweep and trial (DESIGN.md §2). Event-sourced: each decision is journaled before it
/// takes effect, so a restart (or, in a cluster, the singleton moving) recovers exactly what was
/// decided. Trainers pull work with <see cref="RequestTrial"/>; the coordinator watches them and
/// abandons (requeues) the attempts of one that stops or restarts.
/// </summary>
/// <remarks>
/// No trial stays running without a live attempt: each running attempt holds a lease
/// (<see cref="CoordinatorSettings.Lease"/>) that its trainer renews with heartbeats and progress;
/// a lapsed lease requeues the trial. After recovery the running attempts keep running with fresh
/// leases — trainers on other nodes are most likely still at work — and those nobody renews lapse.
/// Results are acknowledged (<see cref="ResultRecorded"/>) once journaled, and trainers re-send
/// them until then, so a result sent while the coordinator was away is not lost; the first result
/// wins and later ones are counted and dropped. The rules themselves live in <see cref="SweepBook"/>.
/// </remarks>
public sealed class SweepCoordinator : JournaledActor, IWithTimers
{
    public const string DefaultPersistenceId = "sweep-coordinator";

    private readonly int _snapshotEvery;
    private readonly CoordinatorSettings _settings;
    private readonly PlanStore _plans;
    /// <summary>Plans read or written for a submission being journaled, so applying its
    /// <see cref="SweepStored"/> does not read the file again.</summary>
    private readonly Dictionary<string, SweepPlan> _fresh = new(StringComparer.Ordinal);
    private SweepBook _book;
    private long _snapshotAt;
    private readonly Dictionary<IActorRef, (string Node, int Slot)> _idle = [];
    private readonly Dictionary<string, TrainerEntry> _trainers = new(StringComparer.Ordinal);
    /// <summary>When the lease of each running attempt lapses (in memory: granted afresh on recovery).</summary>
    private readonly Dictionary<string, DateTimeOffset> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrialProgressed> _progress = new(StringComparer.Ordinal);
    /// <summary>When each live attempt was assigned (this incarnation only), for its duration.</summary>
    private readonly Dictionary<string, (int Attempt, DateTimeOffset At)> _assignedAt = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _assigning;

    /// <param name="snapshotEvery">Save a snapshot after this many journaled events (0: never);
    /// at least a quarter of the known trials, so that snapshots (which hold every trial's state)
    /// cost the same per event in a sweep of any size.</param>
    /// <param name="plans">Where sweep plans are stored (the artifact store's plans/).</param>
    public SweepCoordinator(string persistenceId, int snapshotEvery, PlanStore plans)
    {
        PersistenceId = persistenceId;
        _snapshotEvery = snapshotEvery;
        _plans = plans;
        _book = new SweepBook(PlanOf);
        _settings = CoordinatorSettings.Create(Context.System.Settings.Config);
        Recover<SnapshotOffer>(offer =>
        {
            _book = SweepBook.Restore((CoordinatorSnapshot)offer.Snapshot, PlanOf);
            _snapshotAt = offer.Metadata.SequenceNr;
        });
        // A lambda, not the method group: a snapshot offer replaces _book.
        Recover<ICoordinatorEvent>(e => _book.Apply(e));
        Recover<RecoveryCompleted>(_ => Recovered());

        Command<SubmitSweep>(submit => Submit(submit.Plan.SweepId, () => _plans.Save(submit.Plan)));
        Command<SubmitStoredSweep>(submit => Submit(submit.Plan.SweepId, () => (submit.Plan, _plans.Load(submit.Plan))));
        Command<RequestTrial>(Request);
        Command<TrialProgressed>(p =>
        {
            if (!_book.IsRunning(p.TrialId, p.Attempt)) return;
            _progress[p.TrialId] = p.After(_progress.GetValueOrDefault(p.TrialId));
            Renew(p.TrialId);
        });
        Command<AttemptAlive>(Alive);
        Command<TrainerQuarantined>(Quarantined);
        Command<LeaseCheck>(_ => AbandonLapsed());
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
        Command<GetSweepResults>(q => Sender.Tell(_book.Results(q)));
        Command<SaveSnapshotSuccess>(saved =>
            DeleteSnapshots(new SnapshotSelectionCriteria(saved.Metadata.SequenceNr - 1)));
        Command<SaveSnapshotFailure>(failed => _log.Warning("Snapshot failed (recovery will replay more events): {0}", failed.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(failed => _log.Warning("Old snapshots not deleted: {0}", failed.Cause.Message));
    }

    /// <summary>How many failed or abandoned attempts <see cref="GetOverview"/> lists.</summary>
    private const int RecentFailures = 20;

    public ITimerScheduler Timers { get; set; } = null!;

    private List<TrainerSlot> Trainers() => _trainers
        .Select(t => new TrainerSlot(t.Value.Node, t.Value.Slot, _book.Running.Any(r => r.Trainer == t.Key), t.Value.Quarantined))
        .OrderBy(t => t.Node, StringComparer.Ordinal).ThenBy(t => t.Slot).ToList();

    /// <summary>Applies a journaled event, and every <c>snapshotEvery</c> events saves the book.
    /// Live events only (recovery applies to the book directly), so the durations recorded here
    /// are of attempts this incarnation saw start.</summary>
    private void Apply(ICoordinatorEvent e)
    {
        _book.Apply(e);
        RecordDuration(e);
        if (_snapshotEvery > 0 && LastSequenceNr - _snapshotAt >= Math.Max(_snapshotEvery, _book.TrialCount / 4))
        {
            _snapshotAt = LastSequenceNr;
            SaveSnapshot(_book.Snapshot());
        }
    }

    private SweepPlan PlanOf(PlanRef reference) => _fresh.Remove(reference.SweepId, out var plan) ? plan : _plans.Load(reference);

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

    public static Props Props(PlanStore plans, string persistenceId = DefaultPersistenceId, int snapshotEvery = 500) =>
        Akka.Actor.Props.Create(() => new SweepCoordinator(persistenceId, snapshotEvery, plans));

    protected override string What => Description;

    /// <summary>The coordinator in words, for logs.</summary>
    public const string Description = "the sweep coordinator";

    /// <summary>After recovery: every running attempt keeps running with a fresh lease (its trainer
    /// renews it if it is still at work) — or, with no lease after a restart, is requeued at once —
    /// and leases are checked from now on.</summary>
    private void Recovered()
    {
        var now = DateTimeOffset.UtcNow;
        Timers.StartPeriodicTimer("leases", LeaseCheck.Instance, _settings.LeaseCheckEvery);
        var running = _book.Running.ToList();
        if (running.Count == 0) return;
        if (_settings.LeaseAfterRestart == TimeSpan.Zero)
        {
            _log.Info("Recovered; requeuing {0} trial(s) that were running", running.Count);
            PersistAllTimed(running.Select(t => _book.Abandon(t.Plan.TrialId, t.Attempt, "the node restarted while this attempt ran", nodeFault: false, now)!), Apply);
            return;
        }
        foreach (var trial in running) _leases[trial.Plan.TrialId] = now + _settings.LeaseAfterRestart;
        _log.Info("Recovered with {0} attempt(s) running; each keeps running while its trainer renews its lease ({1})", running.Count, _settings.LeaseAfterRestart);
    }

    private void Renew(string trialId) => _leases[trialId] = DateTimeOffset.UtcNow + _settings.Lease;

    /// <summary>Requeues (abandons) every running attempt whose lease lapsed.</summary>
    private void AbandonLapsed()
    {
        var now = DateTimeOffset.UtcNow;
        var lapsed = _book.Running
            .Where(t => !_leases.TryGetValue(t.Plan.TrialId, out var until) || until < now)
            .Select(t => _book.Abandon(t.Plan.TrialId, t.Attempt,
                $"no word from its trainer on {t.Node} (slot {t.Slot}) for {_settings.Lease.TotalSeconds:F0} s: the lease lapsed", nodeFault: false, now)!)
            .ToList();
        if (lapsed.Count == 0) return;
        foreach (var e in lapsed) _leases.Remove(e.TrialId);
        _log.Warning("{0} attempt(s) lost their lease; requeuing", lapsed.Count);
        PersistAllTimed(lapsed, e =>
        {
            Apply(e);
            Dispatch();
        });
    }

    /// <summary>A busy trainer's heartbeat: renews the attempt's lease, or stops an attempt that is
    /// no longer current (its lease lapsed meanwhile, or another attempt already succeeded).</summary>
    private void Alive(AttemptAlive alive)
    {
        Register(alive.Node, alive.Slot, alive.Incarnation);
        if (_book.IsRunning(alive.TrialId, alive.Attempt))
        {
            Renew(alive.TrialId);
            return;
        }
        var trial = _book.Trial(alive.TrialId);
        var why = trial is null ? "the coordinator does not know this trial"
            : $"attempt {alive.Attempt} is no longer current (the trial is {trial.State.ToString().ToLowerInvariant()}, latest attempt {trial.Attempt})";
        Sender.Tell(new CancelTrial(alive.TrialId, alive.Attempt, why));
    }

    private void Quarantined(TrainerQuarantined quarantined)
    {
        var entry = Register(quarantined.Node, quarantined.Slot, incarnation: null);
        _idle.Remove(Sender);
        if (entry.Quarantined is null)
            _log.Warning("Trainer {0} slot {1} quarantined itself: {2}", quarantined.Node, quarantined.Slot, quarantined.Reason);
        entry.Quarantined = quarantined.Reason;
    }

    /// <summary>Knows and watches the sending trainer. A known trainer that sends a new
    /// incarnation restarted: the attempts its previous incarnation held are abandoned.</summary>
    private TrainerEntry Register(string node, int slot, string? incarnation)
    {
        var name = TrainerName(Sender);
        if (!_trainers.TryGetValue(name, out var entry))
        {
            Context.Watch(Sender);
            _trainers[name] = entry = new TrainerEntry(Sender, node, slot) { Incarnation = incarnation };
            return entry;
        }
        if (incarnation is null || entry.Incarnation == incarnation) return entry;
        var restarted = entry.Incarnation is not null;
        entry.Incarnation = incarnation;
        if (!restarted) return entry;
        var abandoned = _book.AbandonTrainer(name, $"the trainer on {node} (slot {slot}) restarted while the attempt ran", DateTimeOffset.UtcNow);
        if (abandoned.Count > 0)
        {
            _log.Warning("Trainer {0} slot {1} restarted; requeuing {2} trial(s)", node, slot, abandoned.Count);
            PersistAllTimed(abandoned, e =>
            {
                Apply(e);
                Dispatch();
            });
        }
        return entry;
    }

    /// <summary>Journals a new sweep by its plan-store reference (<paramref name="store"/> puts
    /// the plan there, or reads and checks it there); a known sweep is only answered.</summary>
    private void Submit(string sweepId, Func<(PlanRef Reference, SweepPlan Plan)> store)
    {
        if (_book.Knows(sweepId))
        {
            Sender.Tell(new SweepAccepted(sweepId, false, _book.Counts(sweepId)));
            Dispatch();
            return;
        }
        PlanRef reference;
        try
        {
            (reference, _fresh[sweepId]) = store();
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            _log.Warning("Sweep {0} not submitted: {1}", sweepId, e.Message);
            Sender.Tell(new Status.Failure(e));
            return;
        }
        var sender = Sender;
        PersistTimed(_book.Submit(reference, DateTimeOffset.UtcNow)!, submitted =>
        {
            Apply(submitted);
            _log.Info("Sweep {0} ({1}) submitted with {2} trials", submitted.Plan.SweepId, submitted.Plan.Name, submitted.Plan.Trials);
            sender.Tell(new SweepAccepted(submitted.Plan.SweepId, true, _book.Counts(submitted.Plan.SweepId)));
            Dispatch();
        });
    }

    private void Request(RequestTrial request)
    {
        var name = TrainerName(Sender);
        // The same incarnation asking while it holds an attempt: the request was sent before the
        // assignment reached it (an idle slot repeats its request, and a singleton proxy buffers
        // the repeats while the coordinator moves). The slot is busy; taking the request would
        // only hand it work to decline.
        var crossed = request.Incarnation is not null && _trainers.TryGetValue(name, out var known) && known.Incarnation == request.Incarnation
            && _book.Running.Any(t => t.Trainer == name);
        var entry = Register(request.Node, request.Slot, request.Incarnation);
        if (entry.Quarantined is not null)
        {
            _log.Info("Trainer {0} slot {1} passed its check and pulls work again", request.Node, request.Slot);
            entry.Quarantined = null;
        }
        if (crossed) return;
        _idle[Sender] = (request.Node, request.Slot);
        Dispatch();
    }

    /// <summary>Hands one pending trial to one idle trainer, then (once journaled) looks again.
    /// One at a time: the next choice must see the previous assignment applied.</summary>
    private void Dispatch()
    {
        if (_assigning || _idle.Count == 0 || !_book.HasPending) return;
        var now = DateTimeOffset.UtcNow;
        var nodes = _trainers.Values.Where(t => t.Quarantined is null).Select(t => t.Node).ToHashSet(StringComparer.Ordinal);
        var (trainer, e) = _idle
            .Select(idle => (Trainer: idle.Key, Event: _book.Assign(TrainerName(idle.Key), idle.Value.Node, idle.Value.Slot, now, nodes)))
            .FirstOrDefault(c => c.Event is not null);
        if (e is null) return;
        _idle.Remove(trainer);
        _assigning = true;
        PersistTimed(e, assigned =>
        {
            Apply(assigned);
            _assigning = false;
            _progress.Remove(assigned.TrialId);
            Renew(assigned.TrialId);
            trainer.Tell(new RunTrial(_book.Trial(assigned.TrialId)!.Plan, assigned.Attempt));
            Dispatch();
        });
    }

    private void Complete(TrialCompleted done)
    {
        var sender = Sender;
        var before = _book.Trial(done.TrialId);
        var otherAttempt = before is { State: TrialState.Running } && before.Attempt != done.Attempt
            ? (before.Trainer, before.Attempt) : default;
        var e = _book.Succeed(done.TrialId, done.Attempt, done.Metrics, done.OutputDir, DateTimeOffset.UtcNow);
        if (e is null)
        {
            // Unknown, or a re-sent copy of the result already recorded: nothing to journal.
            if (before is null) _log.Warning("Result for unknown trial {0} dropped", done.TrialId);
            sender.Tell(new ResultRecorded(done.TrialId, done.Attempt));
            return;
        }
        PersistTimed(e, recorded =>
        {
            Apply(recorded);
            _progress.Remove(done.TrialId);
            _leases.Remove(done.TrialId);
            sender.Tell(new ResultRecorded(done.TrialId, done.Attempt));
            if (recorded is DuplicateResultDropped)
                _log.Info("Trial {0}: duplicate result of attempt {1} dropped", done.TrialId, done.Attempt);
            if (otherAttempt.Trainer is { } name && _trainers.TryGetValue(name, out var trainer))
                trainer.Ref.Tell(new CancelTrial(done.TrialId, otherAttempt.Attempt, $"attempt {done.Attempt} already succeeded"));
        });
    }

    /// <summary>A failed attempt: a node fault is abandoned (requeued, avoiding that node), any
    /// other failure counts toward max-attempts. Acknowledged either way.</summary>
    private void Failed(TrialFailed failed)
    {
        var sender = Sender;
        var now = DateTimeOffset.UtcNow;
        ICoordinatorEvent? e = failed.NodeFault
            ? _book.Abandon(failed.TrialId, failed.Attempt, failed.Reason, nodeFault: true, now)
            : _book.Fail(failed.TrialId, failed.Attempt, failed.Reason, failed.Deterministic, now);
        if (e is null)
        {
            _log.Info("Trial {0}: failure of attempt {1}, which is not current, ignored: {2}", failed.TrialId, failed.Attempt, failed.Reason);
            sender.Tell(new ResultRecorded(failed.TrialId, failed.Attempt));
            return;
        }
        PersistTimed(e, recorded =>
        {
            Apply(recorded);
            _progress.Remove(failed.TrialId);
            _leases.Remove(failed.TrialId);
            sender.Tell(new ResultRecorded(failed.TrialId, failed.Attempt));
            _log.Warning("Trial {0} attempt {1} {2}: {3}", failed.TrialId, failed.Attempt, failed.NodeFault ? "failed because of its node (requeued)" : "failed", failed.Reason);
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
        var requeued = _book.AbandonTrainer(name, $"trainer {trainer.Path} stopped", DateTimeOffset.UtcNow);
        if (requeued.Count > 0) _log.Warning("Trainer {0} stopped; requeuing {1} trial(s)", trainer.Path, requeued.Count);
        PersistAllTimed(requeued, e =>
        {
            Apply(e);
            Dispatch();
        });
    }

    /// <summary>A trainer's full path with its uid: a trainer stopped and started again is a
    /// different trainer (one restarted by its supervisor keeps both, and is told by its incarnation).</summary>
    private static string TrainerName(IActorRef trainer) => Akka.Serialization.Serialization.SerializedActorPath(trainer);

    /// <summary>A trainer slot the coordinator has heard from.</summary>
    private sealed class TrainerEntry(IActorRef actor, string node, int slot)
    {
        public IActorRef Ref { get; } = actor;
        public string Node { get; } = node;
        public int Slot { get; } = slot;
        public string? Incarnation { get; set; }
        /// <summary>Why the slot stopped pulling work, or null.</summary>
        public string? Quarantined { get; set; }
    }

    private sealed record LeaseCheck
    {
        public static readonly LeaseCheck Instance = new();
    }
}
