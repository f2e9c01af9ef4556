using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Cora.Actors.Coordinator;
using Cora.Actors.Persistence;
using Microsoft.Data.Sqlite;

namespace Cora.Actors.Tests.Coordinator;

/// <summary>
/// The coordinator's protocol against a real SQLite journal: work pulling, results, retries,
/// requeue when a trainer stops, and recovery from the journal after the actor (or the whole
/// process) is gone. Trainers are TestProbes: the protocol is what is under test.
/// </summary>
public sealed class SweepCoordinatorTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _directory;
    private readonly string _database;

    public SweepCoordinatorTests() : this(new TempDirectory())
    {
    }

    private SweepCoordinatorTests(TempDirectory directory) : base(SystemConfig(directory.File("journal.db")), "coordinator-test")
    {
        _directory = directory;
        _database = directory.File("journal.db");
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _directory.Dispose();
    }

    private static Config SystemConfig(string database) =>
        JournalConfig.For(database).WithFallback(CoraConfig.Reference);

    private IActorRef Start(string id = "coordinator", int snapshotEvery = 0) => Sys.ActorOf(SweepCoordinator.Props(id, snapshotEvery));

    private static TrialPlanCheck Run(object message) => message is RunTrial run ? new TrialPlanCheck(run.Plan.TrialId, run.Attempt) : throw new InvalidOperationException($"expected RunTrial, got {message}");

    private sealed record TrialPlanCheck(string TrialId, int Attempt);

    /// <summary>A coordinator with sweep "s1" submitted and its first trial handed to a trainer probe.</summary>
    private (IActorRef Coordinator, Akka.TestKit.TestProbe Trainer) WithFirstTrialRunning(Cora.Actors.Grids.TrialPlan[] trials, string id = "coordinator")
    {
        var coordinator = Start(id);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", trials)), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = CreateTestProbe();
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        trainer.ExpectMsg<RunTrial>(Wait);
        return (coordinator, trainer);
    }

    private SweepStatus Status(IActorRef coordinator, string sweep)
    {
        coordinator.Tell(new GetSweepStatus(sweep), TestActor);
        return ExpectMsg<SweepStatus>(Wait);
    }

    [Fact]
    public void A_trainer_that_asks_gets_the_oldest_pending_trial_and_its_result_completes_the_sweep()
    {
        var coordinator = Start();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1", "t2")), TestActor);
        Assert.True(ExpectMsg<SweepAccepted>(Wait).New);

        var trainer = CreateTestProbe();
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
        var trainers = Enumerable.Range(0, 3).Select(_ => CreateTestProbe()).ToList();
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
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("bleu", 2)), "/a/2"), trainer);

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
        var trainer = CreateTestProbe();
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
        var survivor = CreateTestProbe();
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
    public void A_restarted_coordinator_recovers_from_its_journal_and_requeues_what_was_running()
    {
        var (coordinator, trainer) = WithFirstTrialRunning([Plans.Trial("t1"), Plans.Trial("t2"), Plans.Trial("t3")], "recovering");
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("rougeL", 0.75)), "/a/t1"), trainer);
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal("t2", Run(trainer.ExpectMsg<RunTrial>(Wait)).TrialId);
        AwaitAssert(() => Assert.Equal(1, Status(coordinator, "s1").Counts.Succeeded), Wait);

        Watch(coordinator);
        Sys.Stop(coordinator);
        ExpectTerminated(coordinator, Wait);
        Unwatch(coordinator);
        // A second actor system on the same journal file stands in for a restarted process.
        using var restarted = ActorSystem.Create("restarted", SystemConfig(_database));
        var recovered = restarted.ActorOf(SweepCoordinator.Props("recovering"));
        var probe = new Akka.TestKit.TestProbe(restarted, new Akka.TestKit.Xunit2.XunitAssertions());
        recovered.Tell(new GetSweepStatus("s1"), probe);
        var status = probe.ExpectMsg<SweepStatus>(Wait);
        Assert.Equal((3, 1, 0, 2), (status.Counts.Total, status.Counts.Succeeded, status.Counts.Running, status.Counts.Pending));

        recovered.Tell(new RequestTrial("node-a", 0), probe);
        Assert.Equal(new TrialPlanCheck("t2", 2), Run(probe.ExpectMsg<RunTrial>(Wait)));
        recovered.Tell(new GetSweepResults("s1"), probe);
        Assert.Equal(0.75, probe.ExpectMsg<SweepResults>(Wait).Rows[0].Metrics["rougeL"].GetDouble());
    }

    [Fact]
    public void Recovery_from_a_snapshot_plus_later_events_gives_the_same_sweep()
    {
        var coordinator = Start("snapshotting", snapshotEvery: 2);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1", "t2", "t3")), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = CreateTestProbe();
        foreach (var id in new[] { "t1", "t2" })
        {
            coordinator.Tell(new RequestTrial("node-a", 0), trainer);
            Assert.Equal(id, Run(trainer.ExpectMsg<RunTrial>(Wait)).TrialId);
            coordinator.Tell(new TrialCompleted(id, 1, Plans.Metrics(("rougeL", 0.5)), $"/a/{id}"), trainer);
        }
        AwaitAssert(() => Assert.Equal(2, Status(coordinator, "s1").Counts.Succeeded), Wait);
        AwaitAssert(() => Assert.True(SnapshotRows("snapshotting") >= 1), Wait);
        Watch(coordinator);
        Sys.Stop(coordinator);
        ExpectTerminated(coordinator, Wait);

        var recovered = Start("snapshotting", snapshotEvery: 2);
        var status = Status(recovered, "s1");
        Assert.Equal((3, 2, 1), (status.Counts.Total, status.Counts.Succeeded, status.Counts.Pending));
        recovered.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal(new TrialPlanCheck("t3", 1), Run(trainer.ExpectMsg<RunTrial>(Wait)));
        AwaitAssert(() => Assert.Equal(1, SnapshotRows("snapshotting")), Wait);   // older snapshots are deleted
    }

    private long SnapshotRows(string persistenceId)
    {
        using var connection = new SqliteConnection($"Data Source={_database};Pooling=False");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT count(*) FROM snapshot WHERE persistence_id = $id AND manifest = 'coordinator-snapshot'";
        query.Parameters.AddWithValue("$id", persistenceId);
        return (long)query.ExecuteScalar()!;
    }

    [Fact]
    public void Journaled_events_are_written_by_the_cora_json_serializer()
    {
        var coordinator = Start("serialized");
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1")), TestActor);
        ExpectMsg<SweepAccepted>(Wait);

        using var connection = new SqliteConnection($"Data Source={_database}");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT serializer_id, manifest FROM event_journal WHERE persistence_id = 'serialized'";
        using var reader = query.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal((4217L, "sweep-submitted"), (reader.GetInt64(0), reader.GetString(1)));
    }
}
