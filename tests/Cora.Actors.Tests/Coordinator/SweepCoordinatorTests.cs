using Akka.Actor;
using Cora.Actors.Coordinator;

namespace Cora.Actors.Tests.Coordinator;

/// <summary>
/// The coordinator's protocol against a real SQLite journal: work pulling, results, retries,
/// requeue when a trainer stops. Recovery from the journal and snapshots is tested on SQLite and
/// PostgreSQL alike by <see cref="Persistence.CoordinatorJournalTests"/>.
/// </summary>
public sealed class SweepCoordinatorTests : CoordinatorTestKit
{
    public SweepCoordinatorTests() : base(new TempDirectory(), "coordinator-test")
    {
    }

    [Fact]
    public void A_trainer_that_asks_gets_the_oldest_pending_trial_and_its_result_completes_the_sweep()
    {
        var coordinator = Start();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1", "t2")), TestActor);
        Assert.True(ExpectMsg<SweepAccepted>(Wait).New);

        var trainer = Trainer();
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        var first = Run(trainer.ExpectMsg<RunTrial>(Wait));
        Assert.Equal(new TrialPlanCheck("t1", 1), first);
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("rougeL", 0.5)), "/a/t1"), trainer);
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal(new TrialPlanCheck("t2", 1), Run(trainer.ExpectMsg<RunTrial>(Wait)));
        coordinator.Tell(new TrialCompleted("t2", 1, Plans.Metrics(("rougeL", 0.25)), "/a/t2"), trainer);

        AwaitAssert(() => Assert.Equal("completed", Status(coordinator, "s1").State), Wait);
        coordinator.Tell(new GetSweepResults("s1"), TestActor);
        var rows = ExpectMsg<SweepResults>(Wait).Rows;
        Assert.Equal(["t1", "t2"], rows.Select(r => r.TrialId));
        Assert.All(rows, r => Assert.Equal("succeeded", r.Status));
        Assert.Equal(0.25, rows[1].Metrics["rougeL"].GetDouble());
    }

    [Fact]
    public void An_idle_trainer_gets_work_as_soon_as_a_sweep_arrives_and_no_trial_goes_to_two_trainers()
    {
        var coordinator = Start();
        var trainers = Enumerable.Range(0, 3).Select(_ => Trainer()).ToList();
        foreach (var (trainer, slot) in trainers.Select((t, i) => (t, i))) coordinator.Tell(new RequestTrial("node-a", slot), trainer);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1", "t2")), TestActor);
        ExpectMsg<SweepAccepted>(Wait);

        var given = trainers.Take(2).Select(t => Run(t.ExpectMsg<RunTrial>(Wait)).TrialId).ToList();
        Assert.Equal(["t1", "t2"], given.Order());
        trainers[2].ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(2, Status(coordinator, "s1").Counts.Running);
    }

    [Fact]
    public void Resubmitting_a_sweep_changes_nothing_and_a_trial_shared_by_two_sweeps_runs_once()
    {
        var (coordinator, trainer) = WithFirstTrialRunning([Plans.Trial("t1")]);
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(), "/a/t1"), trainer);

        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1")), TestActor);
        Assert.False(ExpectMsg<SweepAccepted>(Wait).New);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s2", "t1", "t3")), TestActor);
        var accepted = ExpectMsg<SweepAccepted>(Wait);
        Assert.Equal(1, accepted.Counts.Succeeded);
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal("t3", Run(trainer.ExpectMsg<RunTrial>(Wait)).TrialId);
    }

    [Fact]
    public void The_first_result_wins_and_a_second_one_is_counted_and_dropped()
    {
        var (coordinator, trainer) = WithFirstTrialRunning([Plans.Trial("t1")]);
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("bleu", 1)), "/a/1"), trainer);
        // A re-sent copy of the recorded result is not a duplicate; another attempt's result is.
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("bleu", 1)), "/a/1"), trainer);
        coordinator.Tell(new TrialCompleted("t1", 2, Plans.Metrics(("bleu", 2)), "/a/2"), trainer);

        AwaitAssert(() => Assert.Equal(1, Status(coordinator, "s1").DuplicatesDropped), Wait);
        coordinator.Tell(new GetSweepResults("s1"), TestActor);
        Assert.Equal(1, ExpectMsg<SweepResults>(Wait).Rows.Single().Metrics["bleu"].GetDouble());
    }

    [Fact]
    public void A_failed_attempt_is_retried_until_the_limit_and_every_failure_is_recorded_with_its_reason()
    {
        var coordinator = Start();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", Plans.Trial("t1", maxAttempts: 2))), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = Trainer();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            coordinator.Tell(new RequestTrial("node-a", 0), trainer);
            Assert.Equal(new TrialPlanCheck("t1", attempt), Run(trainer.ExpectMsg<RunTrial>(Wait)));
            coordinator.Tell(new TrialFailed("t1", attempt, $"exit code 134 (attempt {attempt})", false), trainer);
        }
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        trainer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        var status = Status(coordinator, "s1");
        Assert.Equal("failed", status.State);
        Assert.Equal(["exit code 134 (attempt 1)", "exit code 134 (attempt 2)"], status.Failures.Select(f => f.Reason));
        coordinator.Tell(new GetSweepResults("s1"), TestActor);
        var row = ExpectMsg<SweepResults>(Wait).Rows.Single();
        Assert.Equal(("failed", 2), (row.Status, row.Attempts));
    }

    [Fact]
    public void Cancelling_a_sweep_stops_its_running_attempt_and_retry_resumes_it()
    {
        var (coordinator, trainer) = WithFirstTrialRunning([Plans.Trial("t1"), Plans.Trial("t2")]);
        coordinator.Tell(new CancelSweep("s1"), TestActor);
        Assert.Equal(("t1", 1), (trainer.ExpectMsg<CancelTrial>(Wait).TrialId, 1));
        var cancelled = ExpectMsg<SweepStatus>(Wait);
        Assert.Equal(("cancelled", 0, 2), (cancelled.State, cancelled.Counts.Running, cancelled.Counts.Pending));
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        trainer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));

        coordinator.Tell(new RetrySweep("s1", Failed: false), TestActor);
        Assert.Equal("running", ExpectMsg<SweepStatus>(Wait).State);
        Assert.Equal(new TrialPlanCheck("t1", 2), Run(trainer.ExpectMsg<RunTrial>(Wait)));
    }

    [Fact]
    public void A_deterministic_failure_is_not_retried()
    {
        var (coordinator, trainer) = WithFirstTrialRunning([Plans.Trial("t1", maxAttempts: 5)]);
        coordinator.Tell(new TrialFailed("t1", 1, "bad config: rank 0", true), trainer);
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        trainer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal("failed", Status(coordinator, "s1").State);
    }

    [Fact]
    public void When_a_trainer_stops_its_running_trial_is_requeued_and_another_trainer_finishes_it()
    {
        var (coordinator, doomed) = WithFirstTrialRunning([Plans.Trial("t1")]);
        var survivor = Trainer();
        coordinator.Tell(new RequestTrial("node-b", 0), survivor);
        survivor.ExpectNoMsg(TimeSpan.FromMilliseconds(200));

        Sys.Stop(doomed.Ref);
        Assert.Equal(new TrialPlanCheck("t1", 2), Run(survivor.ExpectMsg<RunTrial>(Wait)));
        coordinator.Tell(new TrialCompleted("t1", 2, Plans.Metrics(), "/a/t1"), survivor);
        AwaitAssert(() => Assert.Equal("completed", Status(coordinator, "s1").State), Wait);
        var abandoned = Status(coordinator, "s1").Failures.Single();
        Assert.Equal(("abandoned", 1), (abandoned.Outcome, abandoned.Attempt));
    }

    [Fact]
    public void A_node_fault_is_acknowledged_abandoned_not_failed_and_the_trial_runs_on_another_node()
    {
        var coordinator = Start();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", Plans.Trial("t1", maxAttempts: 1))), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var blind = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", 0, "a"), blind);
        Assert.Equal(new TrialPlanCheck("t1", 1), Run(blind.ExpectMsg<RunTrial>(Wait)));
        var healthy = Trainer();
        coordinator.Tell(new RequestTrial("node-b", 0, "b"), healthy);

        coordinator.Tell(new TrialFailed("t1", 1, "checkpoint check failed: /zoo/base: no such directory on this node", false, NodeFault: true), blind);
        blind.ExpectMsg(new ResultRecorded("t1", 1), Wait);
        coordinator.Tell(new RequestTrial("node-a", 0, "a"), blind);
        Assert.Equal(new TrialPlanCheck("t1", 2), Run(healthy.ExpectMsg<RunTrial>(Wait)));
        blind.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        coordinator.Tell(new TrialCompleted("t1", 2, Plans.Metrics(), "/a/t1"), healthy);

        AwaitAssert(() => Assert.Equal("completed", Status(coordinator, "s1").State), Wait);
        var abandoned = Status(coordinator, "s1").Failures.Single();
        Assert.Equal(("abandoned", 1, "node-a"), (abandoned.Outcome, abandoned.Attempt, DetailOf(coordinator, "t1").State!.History.Single().Node));
        Assert.Equal(["node-a"], DetailOf(coordinator, "t1").State!.FaultedNodes);
    }

    [Fact]
    public void Abandoned_attempts_count_toward_max_abandons_and_then_the_trial_fails_with_the_reason()
    {
        var coordinator = Start();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", Plans.Trial("t1") with { MaxAbandons = 2 })), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = Trainer();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            // The only node: a trial that faulted everywhere may try there again.
            coordinator.Tell(new RequestTrial("node-a", 0, "a"), trainer);
            Assert.Equal(new TrialPlanCheck("t1", attempt), Run(trainer.ExpectMsg<RunTrial>(Wait)));
            coordinator.Tell(new TrialFailed("t1", attempt, "killed by SIGKILL — the OOM killer? (exit code 137)", false, NodeFault: true), trainer);
        }
        AwaitAssert(() => Assert.Equal("failed", Status(coordinator, "s1").State), Wait);
        coordinator.Tell(new GetSweepResults("s1"), TestActor);
        var row = ExpectMsg<SweepResults>(Wait).Rows.Single();
        Assert.Equal("abandoned 2 times (trials.max-abandons = 2); the last: killed by SIGKILL — the OOM killer? (exit code 137)", row.Failure);
    }

    [Fact]
    public void A_trainer_that_restarted_has_the_attempt_of_its_previous_incarnation_requeued_at_once()
    {
        var coordinator = Start();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1", "t2")), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = Trainer();
        coordinator.Tell(new RequestTrial("node-a", 0, "first"), trainer);
        Assert.Equal(new TrialPlanCheck("t1", 1), Run(trainer.ExpectMsg<RunTrial>(Wait)));
        // The same incarnation asks again (a repeat that crossed the assignment, or one a
        // singleton proxy buffered): nothing is requeued, and the busy slot is handed nothing.
        coordinator.Tell(new RequestTrial("node-a", 0, "first"), trainer);
        trainer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(1, Status(coordinator, "s1").Counts.Running);

        coordinator.Tell(new RequestTrial("node-a", 0, "second"), trainer);
        trainer.ExpectMsg<RunTrial>(Wait);
        AwaitAssert(() =>
        {
            var abandoned = Status(coordinator, "s1").Failures.Single();
            Assert.Equal(("t1", 1, "abandoned"), (abandoned.TrialId, abandoned.Attempt, abandoned.Outcome));
            Assert.Contains("restarted while the attempt ran", abandoned.Reason);
        }, Wait);
    }

    [Fact]
    public void A_heartbeat_renews_the_current_attempt_and_stops_one_that_is_no_longer_current()
    {
        var (coordinator, trainer) = WithFirstTrialRunning([Plans.Trial("t1")]);
        coordinator.Tell(new AttemptAlive("t1", 1, "node-a", 0, "i"), trainer);
        trainer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(), "/a/t1"), trainer);
        coordinator.Tell(new AttemptAlive("t1", 1, "node-a", 0, "i"), trainer);
        var cancel = trainer.ExpectMsg<CancelTrial>(Wait);
        Assert.Equal(("t1", 1), (cancel.TrialId, cancel.Attempt));
        Assert.Contains("no longer current", cancel.Reason);
    }

    [Fact]
    public void A_quarantined_trainer_gets_no_work_and_is_listed_with_its_reason_until_it_asks_again()
    {
        var coordinator = Start();
        var trainer = Trainer();
        coordinator.Tell(new TrainerQuarantined("node-a", 0, "3 node faults in a row; the last: /zoo/base: no such directory", DateTimeOffset.UtcNow), trainer);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1")), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        trainer.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        coordinator.Tell(GetTrainers.Instance, TestActor);
        var slot = ExpectMsg<TrainerList>(Wait).Trainers.Single();
        Assert.Equal(("node-a", false), (slot.Node, slot.Busy));
        Assert.Contains("no such directory", slot.Quarantined);

        coordinator.Tell(new RequestTrial("node-a", 0, "i"), trainer);
        Assert.Equal(new TrialPlanCheck("t1", 1), Run(trainer.ExpectMsg<RunTrial>(Wait)));
        coordinator.Tell(GetTrainers.Instance, TestActor);
        Assert.Null(ExpectMsg<TrainerList>(Wait).Trainers.Single().Quarantined);
    }

    private TrialDetail DetailOf(IActorRef coordinator, string trialId)
    {
        coordinator.Tell(new GetTrial(trialId), TestActor);
        return ExpectMsg<TrialDetail>(Wait);
    }

    [Fact]
    public void The_overview_shows_trainers_and_live_loss_and_finished_attempts_are_timed_for_metrics()
    {
        // A method name no other test uses, so measurements from tests running alongside don't count.
        var trial = Plans.Trial("t-metrics") with { Method = "overview-test" };
        using var listener = new MetricsRecorder(Monitoring.CoraMetrics.MeterName);
        var coordinator = Start();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", trial)), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = Trainer();
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        trainer.ExpectMsg<RunTrial>(Wait);
        coordinator.Tell(new TrialProgressed("t-metrics", 1, "training", 5, 12, 1.75, 640), trainer);
        coordinator.Tell(new TrialProgressed("t-metrics", 1, "generating"), trainer);

        coordinator.Tell(GetOverview.Instance, TestActor);
        var overview = ExpectMsg<CoordinatorOverview>(Wait);
        Assert.Equal([new TrainerSlot("node-a", 0, true)], overview.Trainers);
        var running = Assert.Single(overview.Running);
        Assert.Equal(("generating", 5, 1.75, 640.0), (running.Stage, running.Step!.Value, running.Loss!.Value, running.TokensPerSecond!.Value));

        coordinator.Tell(new TrialCompleted("t-metrics", 1, Plans.Metrics(), "/a/t"), trainer);
        AwaitAssert(() => Assert.Contains(listener.Measurements, m => m.Instrument == "cora.trial.duration"
            && m.Tags["method"] as string == "overview-test" && m.Tags["outcome"] as string == "succeeded" && m.Value >= 0), Wait);
        Assert.Contains(listener.Measurements, m => m.Instrument == "cora.coordinator.journal.lag" && m.Value > 0);
    }
}
