using Akka.Event;
using Akka.Persistence;

namespace Cora.Actors.Persistence;

/// <summary>
/// An event-sourced actor run under a <see cref="RestartingSupervisor"/> (the sweep coordinator,
/// the scheduler). When its journal fails it (a write, a rejected event, recovery) it logs what and
/// why (<see cref="JournalFailureLog"/>) and stops; the supervisor starts it again with backoff and
/// the new incarnation recovers from what the journal holds. Akka.Persistence stops the actor
/// itself after a failed write or recovery; after a rejection it would go on without calling the
/// event's handler, so this stops it too.
/// </summary>
public abstract class JournaledActor : ReceivePersistentActor
{
    private readonly ILoggingAdapter _journalLog = Context.GetLogger();

    /// <summary>The actor in words, for the log ("the sweep coordinator").</summary>
    protected abstract string What { get; }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        JournalFailureLog.PersistFailed(_journalLog, What, cause, @event, sequenceNr);

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        JournalFailureLog.PersistRejected(_journalLog, What, cause, @event, sequenceNr);
        Context.Stop(Self);
    }

    protected override void OnRecoveryFailure(Exception reason, object? message = null) =>
        JournalFailureLog.RecoveryFailed(_journalLog, What, reason, message);
}
