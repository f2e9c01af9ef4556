using Cora.Actors.Grids;
using System.Data.Common;
using Akka.Actor;
using Cora.Actors.Coordinator;
using Cora.Actors.Tests.Coordinator;

namespace Cora.Actors.Tests.Persistence;

/// <summary>
/// The coordinator's persistence, the same for every store Akka.Persistence.Sql runs on here:
/// recovery from the journal in a second actor system (a restarted process), recovery from a
/// snapshot plus later events, and rows written by our serializer. Each store derives once and says
/// how to open its database and what its snapshot table is called.
/// </summary>
public abstract class CoordinatorJournalTests : CoordinatorTestKit
{
    /// <summary>Our serializer's id (CoraJsonSerializer), as the journal stores it.</summary>
    private const long CoraSerializerId = 4217;

    protected CoordinatorJournalTests(TempDirectory directory) : base(directory, "journal-test")
    {
    }

    protected CoordinatorJournalTests(string journalTarget) : base(journalTarget, "journal-test")
    {
    }

    /// <summary>An open connection to the database behind <see cref="CoordinatorTestKit.JournalTarget"/>.</summary>
    protected abstract DbConnection OpenDatabase();

    /// <summary>The snapshot table's name in this store's table mapping (the journal's is
    /// <c>event_journal</c> in all of them).</summary>
    protected abstract string SnapshotTable { get; }

    [Fact]
    public void A_restarted_coordinator_recovers_from_its_journal_keeps_a_renewed_attempt_and_requeues_one_nobody_renews()
    {
        var (coordinator, trainer) = WithFirstTrialRunning([Plans.Trial("t1"), Plans.Trial("t2"), Plans.Trial("t3"), Plans.Trial("t4")], "recovering");
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("rougeL", 0.75)), "/a/t1"), trainer);
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal("t2", Run(trainer.ExpectMsg<RunTrial>(Wait)).TrialId);
        var other = Trainer();
        coordinator.Tell(new RequestTrial("node-b", 0), other);
        Assert.Equal("t3", Run(other.ExpectMsg<RunTrial>(Wait)).TrialId);
        AwaitAssert(() => Assert.Equal(1, Status(coordinator, "s1").Counts.Succeeded), Wait);

        StopAndWait(coordinator);
        // A second actor system on the same journal stands in for a restarted process; its
        // leases are short so that the test sees one lapse.
        using var restarted = SystemWithLease("restarted", TimeSpan.FromSeconds(2));
        var recovered = restarted.ActorOf(SweepCoordinator.Props(Store, "recovering"));
        var probe = Trainer(restarted);
        recovered.Tell(new GetSweepStatus("s1"), probe);
        var status = probe.ExpectMsg<SweepStatus>(Wait);
        Assert.Equal((4, 1, 2, 1), (status.Counts.Total, status.Counts.Succeeded, status.Counts.Running, status.Counts.Pending));

        // t2's trainer is still at work and renews its lease; t3's went away with the old process.
        var alive = CreateTestProbe(restarted);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < until)
        {
            recovered.Tell(new AttemptAlive("t2", 1, "node-a", 0, "incarnation-1"), alive);
            Thread.Sleep(300);
        }
        recovered.Tell(new GetSweepStatus("s1"), probe);
        status = probe.ExpectMsg<SweepStatus>(Wait);
        Assert.Equal(["t2"], status.Running.Select(r => r.TrialId));
        var lapsed = Assert.Single(status.Failures);
        Assert.Equal(("t3", 1, "abandoned"), (lapsed.TrialId, lapsed.Attempt, lapsed.Outcome));
        Assert.Contains("lease lapsed", lapsed.Reason);

        recovered.Tell(new RequestTrial("node-b", 0), probe);
        Assert.Equal(new TrialPlanCheck("t3", 2), Run(probe.ExpectMsg<RunTrial>(Wait)));
        // The renewed attempt's result, sent across the restart, is recorded.
        recovered.Tell(new TrialCompleted("t2", 1, Plans.Metrics(("rougeL", 0.5)), "/a/t2"), alive);
        alive.ExpectMsg(new ResultRecorded("t2", 1), Wait);
        recovered.Tell(new GetSweepResults("s1"), probe);
        var rows = probe.ExpectMsg<SweepResults>(Wait).Rows;
        Assert.Equal((0.75, "succeeded"), (rows[0].Metrics["rougeL"].GetDouble(), rows[1].Status));
    }

    [Fact]
    public void Recovery_from_a_snapshot_plus_later_events_gives_the_same_sweep()
    {
        var coordinator = Start("snapshotting", snapshotEvery: 2);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1", "t2", "t3")), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = Trainer();
        foreach (var id in new[] { "t1", "t2" })
        {
            coordinator.Tell(new RequestTrial("node-a", 0), trainer);
            Assert.Equal(id, Run(trainer.ExpectMsg<RunTrial>(Wait)).TrialId);
            coordinator.Tell(new TrialCompleted(id, 1, Plans.Metrics(("rougeL", 0.5)), $"/a/{id}"), trainer);
        }
        AwaitAssert(() => Assert.Equal(2, Status(coordinator, "s1").Counts.Succeeded), Wait);
        AwaitAssert(() => Assert.True(SnapshotRows("snapshotting") >= 1), Wait);
        StopAndWait(coordinator);

        var recovered = Start("snapshotting", snapshotEvery: 2);
        var status = Status(recovered, "s1");
        Assert.Equal((3, 2, 1), (status.Counts.Total, status.Counts.Succeeded, status.Counts.Pending));
        recovered.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal(new TrialPlanCheck("t3", 1), Run(trainer.ExpectMsg<RunTrial>(Wait)));
        AwaitAssert(() => Assert.Equal(1, SnapshotRows("snapshotting")), Wait);   // older snapshots are deleted
    }

    [Fact]
    public void A_sweep_of_thousands_of_trials_is_one_small_event_and_recovers_from_the_plan_store()
    {
        var coordinator = Start("big", snapshotEvery: 2);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("big", [.. Enumerable.Range(0, 5000).Select(i => Plans.Trial($"t{i}"))])), TestActor);
        Assert.True(ExpectMsg<SweepAccepted>(Wait).New);
        var trainer = Trainer();
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal("t0", Run(trainer.ExpectMsg<RunTrial>(Wait)).TrialId);

        // The plan is in the store; the journal holds its reference. With 5,000 trials known a
        // snapshot waits for 1,250 events (a quarter of the trials), not snapshot-every's 2.
        var events = Rows("SELECT length(payload), manifest FROM event_journal WHERE persistence_id = @id ORDER BY sequence_nr", "big");
        Assert.Equal(["sweep-stored", "trial-assigned"], events.Select(e => e.Manifest));
        Assert.InRange(events[0].SerializerId, 1, 400);
        Assert.Equal(0, SnapshotRows("big"));
        Assert.True(File.Exists(Store.PathOf("big")));

        StopAndWait(coordinator);
        var recovered = Start("big");
        var status = Status(recovered, "big");
        Assert.Equal((5000, 1, 4999), (status.Counts.Total, status.Counts.Running, status.Counts.Pending));
    }

    [Fact]
    public void Journaled_events_and_snapshots_are_written_by_the_cora_json_serializer()
    {
        var (coordinator, trainer) = WithFirstTrialRunning([Plans.Trial("t1")], "serialized");
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(), "/a/t1"), trainer);
        AwaitAssert(() => Assert.Equal("completed", Status(coordinator, "s1").State), Wait);

        var events = Rows("SELECT serializer_id, manifest FROM event_journal WHERE persistence_id = @id ORDER BY sequence_nr", "serialized");
        Assert.Equal(["sweep-stored", "trial-assigned", "trial-succeeded"], events.Select(e => e.Manifest));
        Assert.All(events, e => Assert.Equal(CoraSerializerId, e.SerializerId));

        var snapshotting = Start("serialized-snapshot", snapshotEvery: 1);
        snapshotting.Tell(new SubmitSweep(Plans.Sweep("s1", "t1")), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        AwaitAssert(() => Assert.Equal(1, SnapshotRows("serialized-snapshot")), Wait);
        var snapshot = Rows($"SELECT serializer_id, manifest FROM {SnapshotTable} WHERE persistence_id = @id", "serialized-snapshot").Single();
        Assert.Equal((CoraSerializerId, "coordinator-snapshot"), snapshot);
    }

    [Fact]
    public void A_book_reader_answers_from_snapshot_and_events_and_writes_nothing()
    {
        var coordinator = Start("read-only", snapshotEvery: 2);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1", "t2", "t3")), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = Trainer();
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal("t1", Run(trainer.ExpectMsg<RunTrial>(Wait)).TrialId);
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("rougeL", 0.5)), "/a/t1"), trainer);
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal("t2", Run(trainer.ExpectMsg<RunTrial>(Wait)).TrialId);   // left running
        AwaitAssert(() => Assert.Equal(1, Status(coordinator, "s1").Counts.Running), Wait);
        // Events 1–4 (submitted, t1 assigned, t1 succeeded, t2 assigned): snapshots at 2 and 4,
        // and the coordinator then deletes the older one. Wait for that, so the rows compared
        // below can only change through the reader.
        AwaitAssert(() => Assert.Equal([(4L, "coordinator-snapshot")],
            Rows($"SELECT sequence_nr, manifest FROM {SnapshotTable} WHERE persistence_id = @id ORDER BY sequence_nr", "read-only")), Wait);
        StopAndWait(coordinator);
        var eventsBefore = Rows("SELECT sequence_nr, manifest FROM event_journal WHERE persistence_id = @id ORDER BY sequence_nr", "read-only");
        var snapshotsBefore = Rows($"SELECT sequence_nr, manifest FROM {SnapshotTable} WHERE persistence_id = @id ORDER BY sequence_nr", "read-only");
        Assert.NotEmpty(eventsBefore);

        using (var readerSystem = ActorSystem.Create("reader", SystemConfig(JournalTarget)))
        {
            var reader = readerSystem.ActorOf(SweepBookReader.Props(Store, "read-only"));
            var probe = new Akka.TestKit.TestProbe(readerSystem, new Akka.TestKit.Xunit2.XunitAssertions());
            reader.Tell(ListSweeps.Instance, probe);
            var sweep = Assert.Single(probe.ExpectMsg<SweepList>(Wait).Sweeps);
            Assert.Equal(("s1", 1, 1), (sweep.SweepId, sweep.Counts.Succeeded, sweep.Counts.Running));
            reader.Tell(new GetSweepResults("s1"), probe);
            var rows = probe.ExpectMsg<SweepResults>(Wait).Rows;
            Assert.Equal(["succeeded", "running", "pending"], rows.Select(r => r.Status));
            Assert.Equal(["/a/t1", null, null], rows.Select(r => r.OutputDir));
            reader.Tell(new SubmitSweep(Plans.Sweep("s2", "t4")), probe);   // not something a reader does: ignored
            reader.Tell(ListSweeps.Instance, probe);
            Assert.Equal(["s1"], probe.ExpectMsg<SweepList>(Wait).Sweeps.Select(s => s.SweepId));
        }

        // Recovery requeues nothing (a coordinator would have journaled t2's requeue) and the
        // ignored submission left no trace: the journal and snapshot rows are exactly as before.
        Assert.Equal(eventsBefore, Rows("SELECT sequence_nr, manifest FROM event_journal WHERE persistence_id = @id ORDER BY sequence_nr", "read-only"));
        Assert.Equal(snapshotsBefore, Rows($"SELECT sequence_nr, manifest FROM {SnapshotTable} WHERE persistence_id = @id ORDER BY sequence_nr", "read-only"));
    }

    private long SnapshotRows(string persistenceId) =>
        Rows($"SELECT serializer_id, manifest FROM {SnapshotTable} WHERE persistence_id = @id", persistenceId)
            .Count(r => r.Manifest == "coordinator-snapshot");

    /// <summary>(serializer id, manifest) rows of <paramref name="sql"/>, with <c>@id</c> bound to
    /// <paramref name="persistenceId"/> (both providers take <c>@</c> parameters).</summary>
    private List<(long SerializerId, string Manifest)> Rows(string sql, string persistenceId)
    {
        using var connection = OpenDatabase();
        using var query = connection.CreateCommand();
        query.CommandText = sql;
        var id = query.CreateParameter();
        id.ParameterName = "@id";
        id.Value = persistenceId;
        query.Parameters.Add(id);
        using var reader = query.ExecuteReader();
        var rows = new List<(long, string)>();
        while (reader.Read()) rows.Add((Convert.ToInt64(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1)));
        return rows;
    }
}
