using Cora.Actors.Grids;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Cora.Actors.Coordinator;
using Cora.Actors.Persistence;
using Cora.Actors.Tests.Coordinator;
using Cora.Tests;

namespace Cora.Actors.Tests.Persistence;

/// <summary>
/// The sweep coordinator under its <see cref="RestartingSupervisor"/> while its PostgreSQL goes
/// away and comes back. The server is this test's own (it is killed, which would break the tests
/// sharing the collection's server). The multi-process version is
/// Cora.Cluster.Tests' JournalOutageTests.
/// </summary>
public sealed class JournalOutageTests : CoordinatorTestKit
{
    /// <summary>For the steps that wait on PostgreSQL (a fresh server, its restart): generous.</summary>
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly PostgresServer _server;

    public JournalOutageTests() : this(new PostgresServer())
    {
    }

    private JournalOutageTests(PostgresServer server) : base(server.CreateDatabase(), "outage-test")
    {
        _server = server;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) _server.Dispose();
    }

    [Fact]
    public void A_result_whose_write_fails_stops_the_coordinator_which_comes_back_when_the_database_does_and_reruns_that_trial()
    {
        var logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs, typeof(LogEvent));
        var coordinator = Supervised(RestartBackoff.Create(Sys.Settings.Config));
        var trainer = CreateTestProbe();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1", "t2")), TestActor);
        ExpectMsg<SweepAccepted>(Deadline);   // the first write creates the tables
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        Assert.Equal(new TrialPlanCheck("t1", 1), Run(trainer.ExpectMsg<RunTrial>(Wait)));

        _server.Kill();
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("rougeL", 0.5)), "/a/t1"), trainer);
        Logged(logs, "Journal unavailable: the sweep coordinator could not write TrialSucceeded");
        Logged(logs, "Journal unavailable, restarting the sweep coordinator in 1.");
        // Restart 1 found the database still down: a recovery failure, and a longer wait.
        Logged(logs, "Journal unavailable: the sweep coordinator could not recover from the journal");
        Logged(logs, "Journal unavailable, restarting the sweep coordinator in 2.");
        _server.Start();

        // Back within the backoff (≤ 12 s) plus a breaker reset (2 s); the deadline is generous.
        var status = AwaitStatus(coordinator, "s1");
        // The result was never written. The attempt it belonged to keeps running on a fresh lease
        // after the restart, and the result the trainer sends again (trainers re-send until they
        // hear ResultRecorded) is recorded now: nothing is lost and nothing runs twice.
        Assert.Equal((0, 1, 1), (status.Counts.Succeeded, status.Counts.Running, status.Counts.Pending));
        coordinator.Tell(new TrialCompleted("t1", 1, Plans.Metrics(("rougeL", 0.5)), "/a/t1"), trainer);
        trainer.FishForMessage<ResultRecorded>(r => r.TrialId == "t1" && r.Attempt == 1, Wait);
        AwaitAssert(() => Assert.Equal(1, Status(coordinator, "s1").Counts.Succeeded), Wait);
    }

    [Fact]
    public void Once_the_database_is_back_the_open_circuit_breakers_let_the_coordinator_recover_within_seconds()
    {
        var logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs, typeof(LogEvent));
        // Restarts every 0.1–0.5 s: the outage opens the snapshot store's breaker (5 failed
        // recoveries) within seconds, and the backoff adds little to what is measured.
        var coordinator = Supervised(new RestartBackoff(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), 0));
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", "t1")), TestActor);
        ExpectMsg<SweepAccepted>(Deadline);   // the first write creates the tables

        _server.Kill();
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s2", "t2")), TestActor);
        Logged(logs, "Journal unavailable: the sweep coordinator could not write SweepStored");
        for (var failed = 0; failed < 5; failed++) Logged(logs, "Journal unavailable: the sweep coordinator could not recover from the journal");
        _server.Start();

        // With the breakers open, the coordinator recovers once they let a call through (their
        // reset-timeouts, 2 s here: JournalConfigTests pins them; Akka's defaults are 30 s and
        // 60 s). How soon is measured by bench/chaos, not asserted here.
        Assert.Equal(1, AwaitStatus(coordinator, "s1").Counts.Total);
    }

    private IActorRef Supervised(RestartBackoff backoff) => Sys.ActorOf(RestartingSupervisor.Props(SweepCoordinator.Props(Store, "outage"),
        SweepCoordinator.DefaultPersistenceId, SweepCoordinator.Description, backoff), "coordinator");

    /// <summary>Asks for the sweep's status until the coordinator answers (it is restarting).</summary>
    private SweepStatus AwaitStatus(IActorRef coordinator, string sweep)
    {
        var asker = CreateTestProbe();
        SweepStatus? status = null;
        AwaitAssert(() =>
        {
            coordinator.Tell(new GetSweepStatus(sweep), asker);
            status = asker.ExpectMsg<SweepStatus>(TimeSpan.FromSeconds(1));
        }, Deadline);
        return status!;
    }

    /// <summary>Waits for a log line that starts with <paramref name="start"/>.</summary>
    private static void Logged(Akka.TestKit.TestProbe logs, string start) =>
        logs.FishForMessage<LogEvent>(e => e.Message.ToString()!.StartsWith(start, StringComparison.Ordinal), Deadline);
}
