using Akka.Actor;
using Akka.Configuration;
using Cora.Actors.Basis;
using Cora.Actors.Coordinator;
using Cora.Actors.Evaluation;
using Cora.Actors.Grids;
using Cora.Actors.Loading;
using Cora.Actors.Persistence;
using Cora.Actors.Trainer;
using Cora.Training;

namespace Cora.Cluster.Hosting;

/// <summary>The actors a <see cref="ClusterNode"/> starts by role.</summary>
internal static class NodeActors
{
    /// <summary><c>cora.coordinator.snapshot-every</c>, checked.</summary>
    public static int SnapshotEvery(Config config)
    {
        var every = config.GetInt("cora.coordinator.snapshot-every", 500);
        return every >= 0 ? every : throw new InvalidInputException($"cora.coordinator.snapshot-every: must be ≥ 0 (got {every})");
    }

    /// <summary>The sweep coordinator under a <see cref="RestartingSupervisor"/>, which starts it
    /// again with backoff whenever its journal fails it (the coordinator stops then).</summary>
    public static Props Coordinator(PlanStore plans, int snapshotEvery, RestartBackoff backoff) => RestartingSupervisor.Props(
        SweepCoordinator.Props(plans, snapshotEvery: snapshotEvery), SweepCoordinator.DefaultPersistenceId, SweepCoordinator.Description, backoff);

    /// <summary>The trainer role: the node's checkpoint loader, basis extractor and evaluator, and
    /// one <see cref="GpuTrainer"/> per slot pulling work from <paramref name="coordinator"/>.</summary>
    public static void StartTrainers(ActorSystem system, IActorRef coordinator, TrainerSettings settings)
    {
        var loader = system.ActorOf(CheckpointLoader.Props(), "loader");
        var extractor = system.ActorOf(BasisExtractorActor.Props(settings.Artifacts), "basis");
        var evaluator = system.ActorOf(Evaluator.Props(), "evaluator");
        for (var slot = 0; slot < settings.Slots; slot++)
            system.ActorOf(GpuTrainer.Props(coordinator, loader, extractor, evaluator, settings, slot), $"trainer-{slot}");
    }
}
