using System.Diagnostics;
using Akka.Actor;
using Akka.Event;

namespace Cora.Actors.Persistence;

/// <summary>
/// Keeps an event-sourced actor (the sweep coordinator, the scheduler) running through journal
/// outages. Akka.Persistence stops such an actor when a write fails or its recovery fails; this
/// parent then starts it again after a backoff (<see cref="RestartBackoff"/>: doubling from min
/// to max, with jitter), and the new incarnation recovers from the journal. Without it, a cluster
/// singleton whose actor stopped is never started again (the singleton manager only restarts it
/// on another node), and the coordinator stayed gone until its node was restarted.
/// <para>It answers <see cref="SupervisorPing"/> itself (whoever asks learns that the supervisor,
/// e.g. a cluster singleton, is reachable). Every other message is forwarded to the current child with its sender, so asks and
/// replies, and the child's own watches, work as if the child were addressed directly. While
/// no child runs (the backoff) messages go to dead letters, as with Akka's BackoffSupervisor:
/// trainers repeat their work requests, and a console ask times out with "unavailable".</para>
/// <para>This is Akka's <c>BackoffSupervisor</c> (OnStop) with a log line per restart: that one is
/// sealed, draws its delay internally and logs nothing, and an operator reading a node's stderr
/// must see that the journal is down and when the next try comes. Exceptions thrown by the
/// child restart it in place (Akka's default strategy); only a stop is backed off.</para>
/// </summary>
public sealed class RestartingSupervisor : ReceiveActor, IWithTimers
{
    private const string RestartTimer = "restart";

    private readonly Props _childProps;
    private readonly string _childName;
    private readonly string _what;
    private readonly RestartBackoff _backoff;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IActorRef? _child;
    private long _childStarted;
    /// <summary>Restarts since an incarnation last ran for <see cref="RestartBackoff.Max"/>.</summary>
    private int _restarts;

    /// <param name="childName">The child's actor name, the same in every incarnation.</param>
    /// <param name="what">The child in words for the log ("the sweep coordinator").</param>
    public RestartingSupervisor(Props childProps, string childName, string what, RestartBackoff backoff)
    {
        _childProps = childProps;
        _childName = childName;
        _what = what;
        _backoff = backoff;
        Receive<Terminated>(t => t.ActorRef.Equals(_child), _ => ChildStopped());
        Receive<StartChild>(_ =>
        {
            _log.Info("Starting {0} again (restart {1}); it recovers from the journal", _what, _restarts);
            Start();
        });
        Receive<SupervisorPing>(_ => Sender.Tell(SupervisorPong.Instance));
        ReceiveAny(message =>
        {
            if (_child is { } child) child.Forward(message);
            else Context.System.DeadLetters.Forward(message);
        });
    }

    /// <summary>Props of a supervisor named by the caller that runs <paramref name="childProps"/>
    /// as its child <paramref name="childName"/> and restarts it with backoff when it stops.</summary>
    public static Props Props(Props childProps, string childName, string what, RestartBackoff backoff) =>
        Akka.Actor.Props.Create(() => new RestartingSupervisor(childProps, childName, what, backoff));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart() => Start();

    private void Start()
    {
        _child = Context.Watch(Context.ActorOf(_childProps, _childName));
        _childStarted = Stopwatch.GetTimestamp();
    }

    private void ChildStopped()
    {
        _child = null;
        // An incarnation that ran this long had its journal back: a new outage starts from min.
        if (Stopwatch.GetElapsedTime(_childStarted) >= _backoff.Max) _restarts = 0;
        _restarts++;
        var delay = _backoff.Delay(_restarts, Random.Shared.NextDouble());
        _log.Warning("Journal unavailable, restarting {0} in {1:F1} s (restart {2} in a row; the error above says what failed)",
            _what, delay.TotalSeconds, _restarts);
        Timers.StartSingleTimer(RestartTimer, StartChild.Instance, delay);
    }

    private sealed record StartChild
    {
        public static readonly StartChild Instance = new();
    }
}
