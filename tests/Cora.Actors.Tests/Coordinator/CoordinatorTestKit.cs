using Akka.Actor;
using Akka.Configuration;
using Akka.TestKit.Xunit2;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Actors.Persistence;

namespace Cora.Actors.Tests.Coordinator;

/// <summary>
/// A TestKit whose actor system journals to a real store — a SQLite file in a temp directory of
/// the test's own, or a PostgreSQL database — with the helpers the coordinator's tests share.
/// Trainers are TestProbes: the protocol is what is under test.
/// </summary>
public abstract class CoordinatorTestKit : TestKit
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempDirectory? _directory;
    private readonly TempDirectory _plans = new();

    /// <summary>Journal and snapshots in <c>journal.db</c> inside <paramref name="directory"/>,
    /// which the test owns and deletes.</summary>
    protected CoordinatorTestKit(TempDirectory directory, string systemName)
        : this(directory.File("journal.db"), systemName)
    {
        _directory = directory;
    }

    /// <summary>Journal and snapshots at <paramref name="journalTarget"/>: a SQLite file path or a
    /// PostgreSQL connection string (see <see cref="JournalConfig.For"/>).</summary>
    protected CoordinatorTestKit(string journalTarget, string systemName)
        : base(SystemConfig(journalTarget), systemName)
    {
        JournalTarget = journalTarget;
    }

    protected string JournalTarget { get; }

    /// <summary>The plan store the coordinators of this test share (a temp directory of its own).</summary>
    protected PlanStore Store => new(_plans.Path);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            _directory?.Dispose();
            _plans.Dispose();
        }
    }

    /// <summary>The configuration of an actor system on this journal (a second system on the same
    /// target stands in for a restarted process).</summary>
    protected static Config SystemConfig(string journalTarget) =>
        JournalConfig.For(journalTarget).WithFallback(CoraConfig.Reference);

    /// <summary>A second actor system on this journal whose coordinators hold leases of
    /// <paramref name="lease"/> (it stands in for a restarted process).</summary>
    protected ActorSystem SystemWithLease(string name, TimeSpan lease) => ActorSystem.Create(name,
        ConfigurationFactory.ParseString($"cora.coordinator.lease = {(int)lease.TotalMilliseconds}ms").WithFallback(SystemConfig(JournalTarget)));

    /// <summary>A trainer probe. Acknowledgements of its results (<see cref="ResultRecorded"/>) are
    /// ignored: the tests that are about them look for them on a probe of their own.</summary>
    protected Akka.TestKit.TestProbe Trainer(ActorSystem? system = null)
    {
        var probe = system is null ? CreateTestProbe() : CreateTestProbe(system);
        probe.IgnoreMessages<ResultRecorded>();
        return probe;
    }

    protected IActorRef Start(string id = "coordinator", int snapshotEvery = 0) =>
        Sys.ActorOf(SweepCoordinator.Props(Store, id, snapshotEvery));

    protected static TrialPlanCheck Run(object message) => message is RunTrial run
        ? new TrialPlanCheck(run.Plan.TrialId, run.Attempt)
        : throw new InvalidOperationException($"expected RunTrial, got {message}");

    protected sealed record TrialPlanCheck(string TrialId, int Attempt);

    /// <summary>A coordinator with sweep "s1" submitted and its first trial handed to a trainer probe.</summary>
    protected (IActorRef Coordinator, Akka.TestKit.TestProbe Trainer) WithFirstTrialRunning(TrialPlan[] trials, string id = "coordinator")
    {
        var coordinator = Start(id);
        coordinator.Tell(new SubmitSweep(Plans.Sweep("s1", trials)), TestActor);
        ExpectMsg<SweepAccepted>(Wait);
        var trainer = Trainer();
        coordinator.Tell(new RequestTrial("node-a", 0), trainer);
        trainer.ExpectMsg<RunTrial>(Wait);
        return (coordinator, trainer);
    }

    protected SweepStatus Status(IActorRef coordinator, string sweep)
    {
        coordinator.Tell(new GetSweepStatus(sweep), TestActor);
        return ExpectMsg<SweepStatus>(Wait);
    }

    /// <summary>Stops <paramref name="coordinator"/> and waits until it is gone.</summary>
    protected void StopAndWait(IActorRef coordinator)
    {
        Watch(coordinator);
        Sys.Stop(coordinator);
        ExpectTerminated(coordinator, Wait);
        Unwatch(coordinator);
    }
}
