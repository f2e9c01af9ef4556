using Akka.Event;

namespace Cora.Actors.Persistence;

/// <summary>
/// What an event-sourced actor of Cora logs when its journal fails it, in place of Akka's
/// generic lines: what could not be written or read, the cause, and what happens next.
/// The actor stops right after (<see cref="JournaledActor"/>), and its
/// <see cref="RestartingSupervisor"/> starts it again with backoff. Nothing is half-done by then:
/// an event whose write failed was not applied, and the next incarnation rebuilds its state from
/// what the journal holds.
/// </summary>
public static class JournalFailureLog
{
    /// <param name="what">The actor in words ("the sweep coordinator").</param>
    public static void PersistFailed(ILoggingAdapter log, string what, Exception cause, object @event, long sequenceNr) =>
        log.Error(cause, "Journal unavailable: {0} could not write {1} (sequence number {2}): {3}. It stops and is restarted with backoff; what was not written is redone",
            what, @event.GetType().Name, sequenceNr, cause.GetBaseException().Message);

    /// <summary>The journal refused one event (it could not store it: too large, not serializable)
    /// but is up. Akka.Persistence would go on without calling the event's handler, leaving the
    /// actor waiting for it forever (the coordinator would never assign again); the actor stops
    /// instead, so the restart recovers from what the journal holds.</summary>
    public static void PersistRejected(ILoggingAdapter log, string what, Exception cause, object @event, long sequenceNr) =>
        log.Error(cause, "Journal refused: {0} could not write {1} (sequence number {2}): {3}. It stops and is restarted with backoff; what was not written is redone",
            what, @event.GetType().Name, sequenceNr, cause.GetBaseException().Message);

    /// <param name="event">The replayed event that failed to apply, or null when the journal
    /// itself failed (unreachable, timed out).</param>
    public static void RecoveryFailed(ILoggingAdapter log, string what, Exception cause, object? @event)
    {
        if (@event is null)
            log.Error(cause, "Journal unavailable: {0} could not recover from the journal: {1}. It stops and is restarted with backoff",
                what, cause.GetBaseException().Message);
        else
            log.Error(cause, "Recovery failed: {0} could not apply {1} from the journal: {2}. It stops and is restarted with backoff, which fails the same way until the journal or Cora is fixed",
                what, @event.GetType().Name, cause.GetBaseException().Message);
    }
}
