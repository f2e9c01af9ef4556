using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Cora.Actors.Grids;

namespace Cora.Actors.Coordinator;

/// <summary>
/// A read-only view of a coordinator's journal: recovers the <see cref="SweepBook"/> from the same
/// persistence id (snapshot, then the events after it) and answers <see cref="ListSweeps"/>,
/// <see cref="GetSweepResults"/> and <see cref="GetSweepStatus"/> from it. Unlike
/// <see cref="SweepCoordinator"/> it never persists, snapshots or deletes — in particular it does
/// not requeue running trials after recovery — so reading a journal (for <c>cora report --db</c>)
/// leaves it byte-for-byte as it was, even while no coordinator is running on it.
/// </summary>
/// <remarks>Messages that arrive before recovery completes are stashed by Akka.Persistence and
/// answered after it, so a caller never sees a half-replayed book.</remarks>
public sealed class SweepBookReader : ReceivePersistentActor
{
    private static readonly IReadOnlyDictionary<string, TrialProgressed> NoProgress = new Dictionary<string, TrialProgressed>();
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private SweepBook _book;

    /// <param name="plans">The plan store of the journal's artifact store.</param>
    public SweepBookReader(string persistenceId, PlanStore plans)
    {
        PersistenceId = persistenceId;
        _book = new SweepBook(plans.Load);
        Recover<SnapshotOffer>(offer => _book = SweepBook.Restore((CoordinatorSnapshot)offer.Snapshot, plans.Load));
        // A lambda, not the method group: a snapshot offer replaces _book.
        Recover<ICoordinatorEvent>(e => _book.Apply(e));
        Command<ListSweeps>(_ => Sender.Tell(_book.List(NoProgress)));
        Command<GetSweepResults>(q => Sender.Tell(_book.Results(q)));
        Command<GetSweepStatus>(q => Sender.Tell(_book.Status(q.SweepId, NoProgress)));
        CommandAny(m => _log.Warning("SweepBookReader is read-only; ignored {0}", m.GetType().Name));
    }

    public override string PersistenceId { get; }

    public static Props Props(PlanStore plans, string persistenceId = SweepCoordinator.DefaultPersistenceId) =>
        Akka.Actor.Props.Create(() => new SweepBookReader(persistenceId, plans));
}
