using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Actors.Persistence;
using Cora.Training;

namespace Cora.Actors.Scheduling;

/// <summary>
/// Keeps the cron schedules that submit grids (DESIGN.md §2): a cluster singleton on coordinator
/// nodes, event-sourced on the coordinator's journal under its own persistence id, so schedules
/// and the slots already decided survive restarts and failover. The rules live in
/// <see cref="ScheduleBook"/>; this actor watches the clock, runs firings and journals decisions.
/// <para>A firing, per schedule one at a time: ask the coordinator whether the schedule's
/// previous sweep still runs (then the slot is skipped, with a record); plan the grid off the
/// mailbox (it reads the grid and hashes checkpoints); journal <see cref="SlotFired"/>; only then
/// submit the plan. So a crash can lose one submission but never repeat a slot. If the
/// coordinator does not answer the first question, nothing is recorded and the next tick tries
/// again (within the catch-up window). A grid that fails to plan skips its slot, with the reason.</para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor releases what it owns in PostStop, not Dispose.")]
public sealed class Scheduler : JournaledActor, IWithTimers
{
    public const string DefaultPersistenceId = "scheduler";
    private const string TickTimer = "tick";
    /// <summary>How long a question to the coordinator may take before the firing is given up.</summary>
    private static readonly TimeSpan CoordinatorTimeout = TimeSpan.FromSeconds(15);
    /// <summary>Akka's timer wheel may fire slightly early; a tick before the slot only sets another.</summary>
    private static readonly TimeSpan ShortestSleep = TimeSpan.FromMilliseconds(100);

    private readonly IActorRef _coordinator;
    private readonly string? _hashCache;
    private readonly SchedulerSettings _settings;
    private readonly TimeProvider _clock;
    private readonly bool _timer;
    private readonly ScheduleBook _book = new();
    private readonly Dictionary<string, Firing> _firing = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _cancel = new();
    /// <summary>A tick passed over a schedule that was firing: tick again when a firing ends.</summary>
    private bool _tickDeferred;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly PlanStore _plans;

    /// <param name="coordinator">The sweep coordinator (in a cluster: its singleton proxy).</param>
    /// <param name="plans">Where a fired grid's plan is stored before the coordinator is told of it.</param>
    /// <param name="hashCache">The content-hash cache file planning uses (null: memory only).</param>
    /// <param name="clock">The wall clock (tests: one they set).</param>
    /// <param name="timer">Wake by itself at slots; false in tests, which send <see cref="SchedulerTick"/>.</param>
    public Scheduler(string persistenceId, IActorRef coordinator, PlanStore plans, string? hashCache, SchedulerSettings settings, TimeProvider clock, bool timer)
    {
        PersistenceId = persistenceId;
        _coordinator = coordinator;
        _plans = plans;
        _hashCache = hashCache;
        _settings = settings;
        _clock = clock;
        _timer = timer;
        Recover<ISchedulerEvent>(e => _book.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            if (_timer) Self.Tell(SchedulerTick.Instance);
        });

        Command<AddSchedule>(Add);
        Command<RemoveSchedule>(Remove);
        Command<ListSchedules>(_ => Sender.Tell(new ScheduleList(_book.List(Now))));
        Command<RunScheduleNow>(RunNow);
        Command<SchedulerTick>(_ => Tick());
        Command<PreviousChecked>(c =>
        {
            if (ScheduleBook.SkipReason(c.Status) is { } reason) Record(_book.Skip(c.Firing.Name, c.Firing.Slot, reason, c.Firing.Manual, Now), c.Firing);
            else Plan(c.Firing);
        });
        Command<Planned>(Fire);
        Command<FiringFailed>(failed =>
        {
            _log.Warning("Schedule {0}: slot {1:O} not fired: {2}", failed.Firing.Name, failed.Firing.Slot, failed.Reason);
            if (failed.Record) Record(_book.Skip(failed.Firing.Name, failed.Firing.Slot, failed.Reason, failed.Firing.Manual, Now), failed.Firing);
            else Release(failed.Firing, new ScheduleRejected(failed.Reason));
        });
        Command<Submitted>(submitted =>
        {
            if (submitted.Accepted is { } a)
                _log.Info("Schedule {0}: sweep {1} {2} ({3}/{4} trials already finished)", submitted.Firing.Name, a.SweepId,
                    a.New ? "submitted" : "was known", a.Counts.Finished, a.Counts.Total);
            else
                _log.Warning("Schedule {0}: sweep {1} was recorded as fired but not accepted: {2}", submitted.Firing.Name, submitted.Outcome.SweepId, submitted.Error);
            Release(submitted.Firing, submitted.Error is null ? submitted.Outcome
                : submitted.Outcome with { Reason = $"recorded as fired, but the coordinator did not accept the sweep: {submitted.Error}" });
        });
    }

    public override string PersistenceId { get; }

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IActorRef coordinator, PlanStore plans, string? hashCache, SchedulerSettings settings, TimeProvider? clock = null, bool timer = true,
        string persistenceId = DefaultPersistenceId) =>
        Akka.Actor.Props.Create(() => new Scheduler(persistenceId, coordinator, plans, hashCache, settings, clock ?? TimeProvider.System, timer));

    // After a journal failure it stops and is started again (JournaledActor). Nothing is half-done
    // then: a firing whose SlotFired was not written submitted nothing, and the next incarnation
    // fires that slot again (within the catch-up window).
    protected override string What => Description;

    /// <summary>The scheduler in words, for logs.</summary>
    public const string Description = "the scheduler";

    private DateTimeOffset Now => _clock.GetUtcNow();

    private void Add(AddSchedule request)
    {
        var sender = Sender;
        ScheduleAdded e;
        try
        {
            e = _book.Add(request, Now);
            // A small text file, read here so a typo is refused now rather than at 2 am; the
            // checks that read checkpoints run when the slot fires, off the mailbox.
            if (!File.Exists(request.Grid)) throw new InvalidInputException($"grid {request.Grid}: no such file on the coordinator node (the grid must be on storage the coordinator nodes see)");
            GridReader.Read(request.Grid);
        }
        catch (InvalidInputException x)
        {
            sender.Tell(new ScheduleRejected(x.Message));
            return;
        }
        Persist(e, added =>
        {
            _book.Apply(added);
            _log.Info("Schedule {0} added: \"{1}\" ({2}), grid {3}", added.Name, added.Cron, added.TimeZone, added.Grid);
            sender.Tell(_book.View(added.Name, Now));
            SetTimer();
        });
    }

    private void Remove(RemoveSchedule request)
    {
        var sender = Sender;
        var view = _book.View(request.Name, Now);
        if (view is null)
        {
            sender.Tell(new ScheduleRejected(ScheduleBook.NoSuch(request.Name).Message));
            return;
        }
        Persist(_book.Remove(request.Name, Now), removed =>
        {
            _book.Apply(removed);
            _log.Info("Schedule {0} removed", removed.Name);
            sender.Tell(view);
        });
    }

    private void RunNow(RunScheduleNow request)
    {
        if (!_book.Contains(request.Name)) Sender.Tell(new ScheduleRejected(ScheduleBook.NoSuch(request.Name).Message));
        else if (_firing.ContainsKey(request.Name)) Sender.Tell(new ScheduleRejected($"schedule \"{request.Name}\" is firing already; see `cora schedule list` in a moment"));
        else Start(new Firing(request.Name, Now, Manual: true, Sender));
    }

    private void Tick()
    {
        foreach (var due in _book.Due(Now, _settings.CatchUp))
        {
            // A schedule with a firing under way is looked at again once that is decided.
            if (_firing.ContainsKey(due.Name))
            {
                _tickDeferred = true;
                continue;
            }
            if (due.Skipped.Count > 0)
            {
                PersistAll(due.Skipped, skipped =>
                {
                    _book.Apply(skipped);
                    _log.Warning("Schedule {0}: slot {1:O} skipped: {2}", skipped.Name, skipped.Slot, skipped.Reason);
                });
            }
            if (due.Fire is { } slot) Start(new Firing(due.Name, slot, Manual: false, ReplyTo: null));
        }
        SetTimer();
    }

    /// <summary>Sleeps until the next slot, never longer than check-every (clock jumps).</summary>
    private void SetTimer()
    {
        if (!_timer) return;
        var now = Now;
        var sleep = _book.NextWake(now) is { } next && next - now < _settings.CheckEvery ? next - now : _settings.CheckEvery;
        Timers.StartSingleTimer(TickTimer, SchedulerTick.Instance, sleep < ShortestSleep ? ShortestSleep : sleep);
    }

    private void Start(Firing firing)
    {
        _firing[firing.Name] = firing;
        if (_book.LastSweep(firing.Name) is not { } previous)
        {
            Plan(firing);
            return;
        }
        _coordinator.Ask<SweepStatus>(new GetSweepStatus(previous), CoordinatorTimeout).PipeTo(Self,
            success: status => new PreviousChecked(firing, status),
            failure: x => new FiringFailed(firing, $"the coordinator did not say whether sweep {previous} still runs ({x.Message}); not fired", Record: false));
    }

    /// <summary>Reads, checks and plans the grid on the thread pool (file IO, checkpoint hashes).</summary>
    private void Plan(Firing firing)
    {
        var grid = _book.Grid(firing.Name);
        if (grid is null)
        {
            Release(firing, new ScheduleRejected(ScheduleBook.NoSuch(firing.Name).Message));
            return;
        }
        var cache = _hashCache;
        Task.Run(() =>
        {
            var spec = GridReader.CheckFiles(GridReader.Read(grid));
            var hashes = new ContentHashes(cache);
            var plan = SweepPlanner.Plan(spec, hashes);
            hashes.Save();
            return _plans.Save(plan).Reference;
        }, _cancel.Token).PipeTo(Self,
            success: plan => new Planned(firing, plan),
            failure: x => new FiringFailed(firing, $"the grid could not be planned: {x.GetBaseException().Message}", Record: true));
    }

    private void Fire(Planned planned)
    {
        var firing = planned.Firing;
        if (_book.Fire(firing.Name, firing.Slot, planned.Plan.SweepId, firing.Manual, Now) is not { } e)
        {
            Release(firing, new ScheduleRejected($"schedule \"{firing.Name}\" was removed while it fired; nothing submitted"));
            return;
        }
        Persist(e, fired =>
        {
            _book.Apply(fired);
            _log.Info("Schedule {0}: {1} slot {2:O} fired as sweep {3}", fired.Name, fired.Manual ? "manual" : "cron", fired.Slot, fired.SweepId);
            var outcome = new SlotOutcome(fired.Name, fired.Slot, fired.Manual, SlotOutcome.Fired, SweepId: fired.SweepId);
            _coordinator.Ask<SweepAccepted>(new SubmitStoredSweep(planned.Plan), CoordinatorTimeout).PipeTo(Self,
                success: accepted => new Submitted(firing, outcome, accepted, null),
                failure: x => new Submitted(firing, outcome, null, x.Message));
        });
    }

    private void Record(SlotSkipped? skip, Firing firing)
    {
        if (skip is null)
        {
            Release(firing, new ScheduleRejected($"schedule \"{firing.Name}\" was removed, or its slot decided, while it fired"));
            return;
        }
        Persist(skip, skipped =>
        {
            _book.Apply(skipped);
            _log.Warning("Schedule {0}: slot {1:O} skipped: {2}", skipped.Name, skipped.Slot, skipped.Reason);
            Release(firing, new SlotOutcome(skipped.Name, skipped.Slot, skipped.Manual, SlotOutcome.Skipped, Reason: skipped.Reason));
        });
    }

    private void Release(Firing firing, object reply)
    {
        _firing.Remove(firing.Name);
        firing.ReplyTo?.Tell(reply);
        if (_tickDeferred)
        {
            _tickDeferred = false;
            Self.Tell(SchedulerTick.Instance);
        }
    }

    protected override void PostStop()
    {
        _cancel.Cancel();
        _cancel.Dispose();
        base.PostStop();
    }

    /// <summary>One firing under way: a cron slot, or a manual one whose asker waits for the outcome.</summary>
    private sealed record Firing(string Name, DateTimeOffset Slot, bool Manual, IActorRef? ReplyTo);

    private sealed record PreviousChecked(Firing Firing, SweepStatus Status);

    private sealed record Planned(Firing Firing, PlanRef Plan);

    /// <param name="Record">Journal the slot as skipped (false: leave it for the next tick).</param>
    private sealed record FiringFailed(Firing Firing, string Reason, bool Record);

    private sealed record Submitted(Firing Firing, SlotOutcome Outcome, SweepAccepted? Accepted, string? Error);
}
