using Akka.Actor;
using Akka.Event;
using Akka.TestKit.Xunit2;
using Cora.Actors.Persistence;

namespace Cora.Actors.Tests.Persistence;

/// <summary>
/// The supervisor with a plain child that stops when told to, as a persistent actor stops when
/// its journal fails (JournalOutageTests has the real thing). No waits on the clock: the backoff
/// here is 100 ms, and every expectation has a generous deadline.
/// </summary>
public sealed class RestartingSupervisorTests : TestKit
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    /// <summary>Quick restarts; a max far beyond any test, so the count never starts over.</summary>
    private static readonly RestartBackoff Fast = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10), 0);

    /// <summary>Answers "who" with its own ref, stops on "stop".</summary>
    private sealed class Child : ReceiveActor
    {
        public Child()
        {
            Receive<string>(m => m == "who", _ => Sender.Tell(Self));
            Receive<string>(m => m == "stop", _ => Context.Stop(Self));
        }
    }

    private IActorRef Supervisor() => Sys.ActorOf(RestartingSupervisor.Props(Props.Create(() => new Child()), "child", "the test child", Fast), "supervised");

    [Fact]
    public void Messages_reach_the_child_with_their_sender_and_its_replies_come_back_directly()
    {
        var supervisor = Supervisor();
        var asker = CreateTestProbe();
        supervisor.Tell("who", asker);
        var child = asker.ExpectMsg<IActorRef>(Wait);
        Assert.Equal(supervisor.Path / "child", child.Path);
    }

    [Fact]
    public void A_stopped_child_is_started_again_after_the_backoff_and_the_restart_is_logged_with_its_delay()
    {
        var logs = CreateTestProbe();
        Sys.EventStream.Subscribe(logs, typeof(Warning));
        var starts = CreateTestProbe();
        Sys.EventStream.Subscribe(starts, typeof(Info));
        var supervisor = Supervisor();
        supervisor.Tell("who");
        var first = ExpectMsg<IActorRef>(Wait);
        Watch(first);

        supervisor.Tell("stop");
        ExpectTerminated(first, Wait);
        var warning = logs.FishForMessage<Warning>(w => w.Message.ToString()!.Contains("test child", StringComparison.Ordinal), Wait);
        Assert.Equal("Journal unavailable, restarting the test child in 0.1 s (restart 1 in a row; the error above says what failed)", warning.Message.ToString());

        // The second stop comes within max (10 min) of the restart: the wait doubles.
        starts.FishForMessage<Info>(i => i.Message.ToString() == "Starting the test child again (restart 1); it recovers from the journal", Wait);
        supervisor.Tell("who");
        Assert.NotEqual(first, ExpectMsg<IActorRef>(Wait));
        supervisor.Tell("stop");
        warning = logs.FishForMessage<Warning>(w => w.Message.ToString()!.Contains("test child", StringComparison.Ordinal), Wait);
        Assert.Contains("restarting the test child in 0.2 s (restart 2 in a row", warning.Message.ToString());
    }

    [Fact]
    public void While_no_child_runs_messages_go_to_dead_letters()
    {
        var dead = CreateTestProbe();
        Sys.EventStream.Subscribe(dead, typeof(DeadLetter));
        var slow = new RestartBackoff(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), 0);
        var supervisor = Sys.ActorOf(RestartingSupervisor.Props(Props.Create(() => new Child()), "child", "the test child", slow));
        supervisor.Tell("who");
        Watch(ExpectMsg<IActorRef>(Wait));
        supervisor.Tell("stop");
        ExpectMsg<Terminated>(Wait);

        supervisor.Tell("who");
        Assert.Equal(TestActor, dead.FishForMessage<DeadLetter>(d => d.Message is "who", Wait).Sender);
    }

    [Fact]
    public void The_supervisor_answers_a_ping_itself_whether_or_not_its_child_runs()
    {
        // What a node's readiness check sends through the coordinator singleton's proxy: the
        // answer says the singleton is reachable, and nothing about the journal.
        var slow = new RestartBackoff(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1), 0);
        var supervisor = Sys.ActorOf(RestartingSupervisor.Props(Props.Create(() => new Child()), "child", "the test child", slow));
        supervisor.Tell(SupervisorPing.Instance);
        ExpectMsg<SupervisorPong>(Wait);
        Assert.Equal(supervisor, LastSender);

        supervisor.Tell("who");
        Watch(ExpectMsg<IActorRef>(Wait));
        supervisor.Tell("stop");
        ExpectMsg<Terminated>(Wait);
        supervisor.Tell(SupervisorPing.Instance);
        ExpectMsg<SupervisorPong>(Wait);
    }
}
