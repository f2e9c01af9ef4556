using Akka.Actor;
using Akka.TestKit;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Actors.Scheduling;
using Cora.Actors.Tests.Coordinator;
using Cora.Actors.Tests.Grids;

namespace Cora.Actors.Tests.Scheduling;

/// <summary>
/// The scheduler on a real SQLite journal with a clock the test sets and ticks the test sends (no
/// sleeping). The coordinator is a probe, so each question and submission is seen and answered by
/// hand — except in the test of an unchanged grid fired twice, which runs a real coordinator.
/// </summary>
public sealed class SchedulerTests : CoordinatorTestKit
{
    private static readonly SchedulerSettings Settings = new(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
    private readonly FakeZoo _zoo = new();
    private readonly ManualClock _clock = new(At(1, 1));
    private readonly TestProbe _coordinator;
    private readonly string _grid;

    public SchedulerTests() : base(new TempDirectory(), "scheduler-test")
    {
        _coordinator = CreateTestProbe();
        // The shipped smoke grid, pointed at the fake zoo.
        _grid = Path.Combine(_zoo.Directory, "smoke.conf");
        File.WriteAllText(_grid, File.ReadAllText(Path.Combine(Fixtures.Repository, "hocon", "grids", "smoke.conf"))
            .Replace("zoo = \"zoo/micro\"", $"zoo = {System.Text.Json.JsonSerializer.Serialize(_zoo.Directory)}", StringComparison.Ordinal)
            .Replace("zoo = ${?CORA_ZOO}", "", StringComparison.Ordinal));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _zoo.Dispose();
    }

    /// <summary>2026-05-DAY HOUR:MINUTE UTC.</summary>
    private static DateTimeOffset At(int day, int hour, int minute = 0) => new(2026, 5, day, hour, minute, 0, TimeSpan.Zero);

    private IActorRef StartScheduler(IActorRef? coordinator = null) =>
        Sys.ActorOf(Scheduler.Props(coordinator ?? _coordinator.Ref, Store, null, Settings, _clock, timer: false, persistenceId: "scheduler"));

    private T Ask<T>(IActorRef scheduler, object message)
    {
        scheduler.Tell(message, TestActor);
        return ExpectMsg<T>(Wait);
    }

    private IActorRef WithNightly(string cron = "0 2 * * *")
    {
        var scheduler = StartScheduler();
        var view = Ask<ScheduleView>(scheduler, new AddSchedule("nightly", cron, "UTC", _grid));
        Assert.Equal((At(1, 2), (SlotOutcome?)null), (view.NextUtc!.Value, view.Last));
        return scheduler;
    }

    private ScheduleView Listed(IActorRef scheduler) => Ask<ScheduleList>(scheduler, ListSchedules.Instance).Schedules.Single();

    /// <summary>Ticks at <paramref name="now"/>; the probe coordinator gets the submission and accepts it.</summary>
    private string TickAndAccept(IActorRef scheduler, DateTimeOffset now)
    {
        _clock.Now = now;
        scheduler.Tell(SchedulerTick.Instance);
        var plan = _coordinator.ExpectMsg<SubmitStoredSweep>(Wait).Plan;
        _coordinator.Reply(new SweepAccepted(plan.SweepId, true, new SweepCounts(plan.Trials, plan.Trials, 0, 0, 0)));
        return plan.SweepId;
    }

    private static SweepStatus StatusOf(string sweep, string state) => new(sweep, "smoke", state, new SweepCounts(6, 0, state == "running" ? 1 : 0, 5, 0), [], [], 0);

    [Fact]
    public void A_schedule_is_added_listed_and_removed_and_bad_ones_are_refused_naming_the_value()
    {
        var scheduler = WithNightly();
        var listed = Listed(scheduler);
        Assert.Equal(("nightly", "0 2 * * *", "UTC", _grid), (listed.Name, listed.Cron, listed.TimeZone, listed.Grid));

        Assert.Contains("cron \"61 * * * *\"", Ask<ScheduleRejected>(scheduler, new AddSchedule("x", "61 * * * *", "UTC", _grid)).Reason);
        Assert.Contains("time zone \"Mars/Olympus\"", Ask<ScheduleRejected>(scheduler, new AddSchedule("x", "0 2 * * *", "Mars/Olympus", _grid)).Reason);
        var missing = Path.Combine(_zoo.Directory, "nope.conf");
        Assert.Contains(missing, Ask<ScheduleRejected>(scheduler, new AddSchedule("x", "0 2 * * *", "UTC", missing)).Reason);
        Assert.Contains("exists already", Ask<ScheduleRejected>(scheduler, new AddSchedule("nightly", "0 3 * * *", "UTC", _grid)).Reason);

        Assert.Equal("nightly", Ask<ScheduleView>(scheduler, new RemoveSchedule("nightly")).Name);
        Assert.Empty(Ask<ScheduleList>(scheduler, ListSchedules.Instance).Schedules);
        Assert.Contains("no schedule \"nightly\"", Ask<ScheduleRejected>(scheduler, new RemoveSchedule("nightly")).Reason);
        _clock.Now = At(1, 2);
        scheduler.Tell(SchedulerTick.Instance);
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_slot_fires_once_as_the_planned_grid_and_the_last_outcome_is_listed()
    {
        var scheduler = WithNightly();
        _clock.Now = At(1, 1, 59);
        scheduler.Tell(SchedulerTick.Instance);
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        var sweep = TickAndAccept(scheduler, At(1, 2));
        Assert.Equal(SweepPlanner.Plan(GridReader.Read(_grid), new ContentHashes(null)).SweepId, sweep);
        _clock.Now = At(1, 2, 1);
        scheduler.Tell(SchedulerTick.Instance);
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var last = Listed(scheduler).Last!;
        Assert.Equal((At(1, 2), false, "fired", sweep), (last.Slot, last.Manual, last.Outcome, last.SweepId));
        Assert.Equal(At(2, 2), Listed(scheduler).NextUtc);
    }

    [Fact]
    public void After_a_restart_schedules_and_decided_slots_are_recovered_and_a_slot_missed_while_down_fires_once_within_catch_up()
    {
        var scheduler = WithNightly();
        var first = TickAndAccept(scheduler, At(1, 2));
        StopAndWait(scheduler);

        // Back on the same journal a minute later: the slot is remembered, nothing fires again.
        _clock.Now = At(1, 2, 1);
        scheduler = StartScheduler();
        var listed = Listed(scheduler);
        Assert.Equal((At(1, 2), first), (listed.Last!.Slot, listed.Last.SweepId));
        scheduler.Tell(SchedulerTick.Instance);
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        StopAndWait(scheduler);

        // Down over the next 02:00, back at 02:20: the slot fires late, once, after checking that
        // the previous sweep is done.
        _clock.Now = At(2, 2, 20);
        scheduler = StartScheduler();
        scheduler.Tell(SchedulerTick.Instance);
        Assert.Equal(first, _coordinator.ExpectMsg<GetSweepStatus>(Wait).SweepId);
        _coordinator.Reply(StatusOf(first, "completed"));
        var plan = _coordinator.ExpectMsg<SubmitStoredSweep>(Wait).Plan;
        _coordinator.Reply(new SweepAccepted(plan.SweepId, false, new SweepCounts(6, 0, 0, 6, 0)));
        AwaitAssert(() => Assert.Equal(At(2, 2), Listed(scheduler).Last!.Slot), Wait);
        scheduler.Tell(SchedulerTick.Instance);
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void A_crash_after_the_firing_is_journaled_never_submits_the_slot_again()
    {
        var scheduler = WithNightly();
        _clock.Now = At(1, 2);
        scheduler.Tell(SchedulerTick.Instance);
        _coordinator.ExpectMsg<SubmitStoredSweep>(Wait);   // journaled as fired; the crash comes before the reply
        StopAndWait(scheduler);

        scheduler = StartScheduler();
        Assert.Equal("fired", Listed(scheduler).Last!.Outcome);
        scheduler.Tell(SchedulerTick.Instance);
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public void With_its_own_timer_the_scheduler_wakes_for_the_next_slot_by_itself()
    {
        // The timer sleeps until the slot by the clock it is given: 300 ms here.
        _clock.Now = At(1, 2) - TimeSpan.FromMilliseconds(300);
        var scheduler = Sys.ActorOf(Scheduler.Props(_coordinator.Ref, Store, null, Settings, _clock, timer: true, persistenceId: "timed"));
        Ask<ScheduleView>(scheduler, new AddSchedule("nightly", "0 2 * * *", "UTC", _grid));
        _clock.Now = At(1, 2);
        _coordinator.ExpectMsg<SubmitStoredSweep>(Wait);   // no tick sent by the test
        Assert.Equal(At(1, 2), Listed(scheduler).Last!.Slot);
    }

    [Fact]
    public void A_slot_is_skipped_with_a_record_while_the_schedules_previous_sweep_runs()
    {
        var scheduler = WithNightly();
        var first = TickAndAccept(scheduler, At(1, 2));

        _clock.Now = At(2, 2);
        scheduler.Tell(SchedulerTick.Instance);
        Assert.Equal(first, _coordinator.ExpectMsg<GetSweepStatus>(Wait).SweepId);
        _coordinator.Reply(StatusOf(first, "running"));
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        AwaitAssert(() =>
        {
            var last = Listed(scheduler).Last!;
            Assert.Equal((At(2, 2), "skipped"), (last.Slot, last.Outcome));
            Assert.Contains($"previous sweep {first} of this schedule is still running", last.Reason);
        }, Wait);
    }

    [Fact]
    public void Run_now_fires_at_once_as_a_manual_firing_follows_the_skip_rule_and_leaves_the_cron_slot_alone()
    {
        var scheduler = WithNightly();
        _clock.Now = At(1, 1);
        scheduler.Tell(new RunScheduleNow("nightly"), TestActor);
        var plan = _coordinator.ExpectMsg<SubmitStoredSweep>(Wait).Plan;
        _coordinator.Reply(new SweepAccepted(plan.SweepId, true, new SweepCounts(6, 6, 0, 0, 0)));
        var fired = ExpectMsg<SlotOutcome>(Wait);
        Assert.Equal((At(1, 1), true, "fired", plan.SweepId), (fired.Slot, fired.Manual, fired.Outcome, fired.SweepId));

        // Again while that sweep runs: skipped, and the asker hears why.
        scheduler.Tell(new RunScheduleNow("nightly"), TestActor);
        _coordinator.ExpectMsg<GetSweepStatus>(Wait);
        _coordinator.Reply(StatusOf(plan.SweepId, "running"));
        var skipped = ExpectMsg<SlotOutcome>(Wait);
        Assert.Equal(("skipped", true), (skipped.Outcome, skipped.Manual));
        Assert.Contains("still running", skipped.Reason);

        // The 02:00 slot is still the schedule's to fire.
        _clock.Now = At(1, 2);
        scheduler.Tell(SchedulerTick.Instance);
        _coordinator.ExpectMsg<GetSweepStatus>(Wait);
        _coordinator.Reply(StatusOf(plan.SweepId, "completed"));
        _coordinator.ExpectMsg<SubmitStoredSweep>(Wait);

        Assert.Contains("no schedule \"weekly\"", Ask<ScheduleRejected>(scheduler, new RunScheduleNow("weekly")).Reason);
    }

    [Fact]
    public void A_grid_that_no_longer_plans_skips_its_slot_with_the_reason()
    {
        var scheduler = WithNightly();
        File.Delete(Path.Combine(_zoo.Directory, "data", "alpaca", "train.jsonl"));
        _clock.Now = At(1, 2);
        scheduler.Tell(new RunScheduleNow("nightly"), TestActor);
        var skipped = ExpectMsg<SlotOutcome>(Wait);
        Assert.Equal("skipped", skipped.Outcome);
        Assert.Contains("train.jsonl", skipped.Reason);
        _coordinator.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public void An_unchanged_grid_fired_again_computes_nothing_new_because_trial_ids_are_content_hashes()
    {
        var coordinator = Start("coordinator");
        var scheduler = StartScheduler(coordinator);
        Ask<ScheduleView>(scheduler, new AddSchedule("nightly", "0 2 * * *", "UTC", _grid));
        var first = Ask<SlotOutcome>(scheduler, new RunScheduleNow("nightly"));

        // A trainer probe runs every trial of the first night.
        var trainer = CreateTestProbe();
        trainer.IgnoreMessages<ResultRecorded>();
        var total = Status(coordinator, first.SweepId!).Counts.Total;
        for (var i = 0; i < total; i++)
        {
            coordinator.Tell(new RequestTrial("node-a", 0), trainer);
            var run = trainer.ExpectMsg<RunTrial>(Wait);
            coordinator.Tell(new TrialCompleted(run.Plan.TrialId, run.Attempt, Plans.Metrics(("rougeL", 0.5)), "/a"), trainer);
        }
        AwaitAssert(() => Assert.Equal("completed", Status(coordinator, first.SweepId!).State), Wait);

        // The next night: same grid, same sweep, nothing to run.
        _clock.Now = At(1, 2);
        scheduler.Tell(SchedulerTick.Instance);
        AwaitAssert(() => Assert.Equal((At(1, 2), "fired"), (Listed(scheduler).Last!.Slot, Listed(scheduler).Last!.Outcome)), Wait);
        Assert.Equal(first.SweepId, Listed(scheduler).Last!.SweepId);
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        trainer.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        var status = Status(coordinator, first.SweepId!);
        Assert.Equal(("completed", total), (status.State, status.Counts.Succeeded));
    }
}

/// <summary>A wall clock the test sets.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
