using Akka.Actor;
using Akka.Configuration;
using Cora.Actors;
using Cora.Actors.Basis;
using Cora.Actors.Coordinator;
using Cora.Actors.Evaluation;
using Cora.Actors.Loading;
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
            .WithFallback(ConfigurationFactory.ParseString("akka.loglevel = WARNING\nakka.stdout-loglevel = OFF"))
            .WithFallback(JournalConfig.For(journal))
            .WithFallback(CoraConfig.Reference);
        var settings = TrainerSettings.Create(config, Environment.MachineName, CoraExecutable.Command());
        var snapshotEvery = config.GetInt("cora.coordinator.snapshot-every", 500);
        if (snapshotEvery < 0) throw new Training.InvalidInputException($"cora.coordinator.snapshot-every: must be ≥ 0 (got {snapshotEvery})");
        Directory.CreateDirectory(settings.Artifacts);
        var system = ActorSystem.Create("cora", config);
        var coordinator = system.ActorOf(SweepCoordinator.Props(snapshotEvery: snapshotEvery), "coordinator");
        var loader = system.ActorOf(CheckpointLoader.Props(), "loader");
        var extractor = system.ActorOf(BasisExtractorActor.Props(settings.Artifacts), "basis");
        var evaluator = system.ActorOf(Evaluator.Props(), "evaluator");
        for (var slot = 0; slot < settings.Slots; slot++)
            system.ActorOf(GpuTrainer.Props(coordinator, loader, extractor, evaluator, settings, slot), $"trainer-{slot}");
        return new CoraNode(system, coordinator, settings);
    }

    /// <summary>Stops every actor (trainers kill their trial processes) and the system.</summary>
    public async ValueTask DisposeAsync() => await System.Terminate();
}
