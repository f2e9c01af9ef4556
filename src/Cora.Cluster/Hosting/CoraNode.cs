using Akka.Actor;
using Akka.Configuration;
using Cora.Actors;
using Cora.Actors.Grids;
using Cora.Actors.Persistence;
using Cora.Actors.Trainer;

namespace Cora.Cluster.Hosting;

/// <summary>
/// A Cora node in one process: the actor system with its journal, the sweep coordinator, and the
/// node's checkpoint loader, basis extractor, evaluator and one trainer per slot. The embedded
/// node (<c>cora run</c>) holds every role; the cluster issue spreads the same actors by role.
/// </summary>
public sealed class CoraNode : IAsyncDisposable
{
    private CoraNode(ActorSystem system, IActorRef coordinator, TrainerSettings settings)
    {
        System = system;
        Coordinator = coordinator;
        Settings = settings;
    }

    public ActorSystem System { get; }
    public IActorRef Coordinator { get; }
    public TrainerSettings Settings { get; }

    /// <param name="journal">SQLite file or PostgreSQL connection string.</param>
    /// <param name="overrides">HOCON that wins over the defaults (slots, artifacts, …).</param>
    public static CoraNode StartEmbedded(string journal, Config overrides)
    {
        var config = overrides
            // Its trainers die with it: what ran when it stopped is requeued when it starts again.
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = OFF\ncora.coordinator.lease-after-restart = 0s"))
            .WithFallback(JournalConfig.For(journal))
            .WithFallback(CoraConfig.Reference);
        var settings = TrainerSettings.Create(config, Environment.MachineName, CoraExecutable.Command());
        var snapshotEvery = NodeActors.SnapshotEvery(config);
        var backoff = RestartBackoff.Create(config);
        Directory.CreateDirectory(settings.Artifacts);
        var system = ActorSystem.Create("cora", config);
        var coordinator = system.ActorOf(NodeActors.Coordinator(PlanStore.In(settings.Artifacts), snapshotEvery, backoff), "coordinator");
        NodeActors.StartTrainers(system, coordinator, settings);
        return new CoraNode(system, coordinator, settings);
    }

    /// <summary>Stops every actor (trainers kill their trial processes) and the system.</summary>
    public async ValueTask DisposeAsync() => await System.Terminate();
}
