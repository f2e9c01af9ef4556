using Akka.Actor;
using Akka.Event;
using Cora.Actors.Grids;
using Cora.Actors.Trainer;
using Cora.Training;
using Cora.Training.Basis;

namespace Cora.Actors.Basis;

/// <summary>
/// Computes each basis once (DESIGN.md §2): a request for a basis already in the artifact store is
/// answered at once; a request for one being computed waits for that computation; otherwise the
/// extraction starts on a background task and every waiter gets the same answer. The file is
/// written atomically under its content id, so a crash mid-extraction leaves nothing half-written.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor releases what it owns in PostStop, not Dispose.")]
public sealed class BasisExtractorActor : ReceiveActor
{
    private readonly string _artifacts;
    private readonly Dictionary<string, List<(IActorRef Trainer, TrialTicket Ticket)>> _waiting = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();

    public BasisExtractorActor(string artifacts)
    {
        _artifacts = artifacts;
        Receive<EnsureBasis>(Ensure);
        Receive<Extracted>(done => Answer(done.BasisId, ticket => new BasisReady(ticket, done.Path)));
        Receive<ExtractionFailed>(failed => Answer(failed.BasisId, ticket => new BasisFailed(ticket, failed.Reason, failed.Deterministic, failed.NodeFault)));
    }

    public static Props Props(string artifacts) => Akka.Actor.Props.Create(() => new BasisExtractorActor(artifacts));

    protected override void PostStop()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private void Ensure(EnsureBasis request)
    {
        var plan = request.Basis;
        var path = plan.PathIn(_artifacts);
        if (File.Exists(path))
        {
            Sender.Tell(new BasisReady(request.Ticket, path));
            return;
        }
        if (_waiting.TryGetValue(plan.BasisId, out var waiters))
        {
            waiters.Add((Sender, request.Ticket));
            return;
        }
        _waiting[plan.BasisId] = [(Sender, request.Ticket)];
        _log.Info("Extracting basis {0} from {1} source(s) at rank {2}", plan.BasisId, plan.Sources.Count, plan.MaxRank);
        var options = new BasisOptions(plan.Sources, plan.MaxRank, path, BasisModes.Parse(plan.Mode), BasisMethods.Parse(plan.Method));
        var cancellation = _stopping.Token;
        Task.Run(() => BasisExtractor.Extract(options, cancellation: cancellation), cancellation).PipeTo(Self,
            success: result => new Extracted(plan.BasisId, result.Output),
            failure: e => new ExtractionFailed(plan.BasisId, Unwrap(e).Message, Unwrap(e) is InvalidInputException,
                Unwrap(e) is IOException or UnauthorizedAccessException));
    }

    private void Answer(string basisId, Func<TrialTicket, object> reply)
    {
        if (!_waiting.Remove(basisId, out var waiters)) return;
        foreach (var (trainer, ticket) in waiters) trainer.Tell(reply(ticket));
    }

    private static Exception Unwrap(Exception e) => e is AggregateException { InnerException: { } inner } ? inner : e;

    private sealed record Extracted(string BasisId, string Path);

    private sealed record ExtractionFailed(string BasisId, string Reason, bool Deterministic, bool NodeFault);
}
