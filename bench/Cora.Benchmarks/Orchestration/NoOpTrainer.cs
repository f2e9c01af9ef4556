using System.Text.Json;
using Akka.Actor;
using Cora.Actors.Coordinator;

namespace Cora.Benchmarks.Orchestration;

/// <summary>
/// A trainer slot whose trials do nothing: it pulls work as <c>GpuTrainer</c> does
/// (<see cref="RequestTrial"/>), answers every <see cref="RunTrial"/> at once with a
/// <see cref="TrialCompleted"/> carrying one metric, and asks again. What remains of a trial's
/// cost is the coordinator's: choosing, journaling the assignment and the result, messaging.
/// It stops asking once <c>onCompleted</c> says so.
/// </summary>
public sealed class NoOpTrainer : ReceiveActor
{
    private static readonly IReadOnlyDictionary<string, JsonElement> Metrics =
        new Dictionary<string, JsonElement> { ["rouge1"] = JsonSerializer.SerializeToElement(0.5) };

    /// <param name="onCompleted">Told of each trial done; false: ask for no more.</param>
    public NoOpTrainer(IActorRef coordinator, string node, int slot, Func<bool> onCompleted)
    {
        Receive<RunTrial>(run =>
        {
            coordinator.Tell(new TrialCompleted(run.Plan.TrialId, run.Attempt, Metrics, "/dev/null"));
            if (onCompleted()) coordinator.Tell(new RequestTrial(node, slot));
        });
        coordinator.Tell(new RequestTrial(node, slot));
    }

    public static Props Props(IActorRef coordinator, string node, int slot, Func<bool> onCompleted) =>
        Akka.Actor.Props.Create(() => new NoOpTrainer(coordinator, node, slot, onCompleted));
}
