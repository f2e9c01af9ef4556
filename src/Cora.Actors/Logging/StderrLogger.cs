using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace Cora.Actors.Logging;

/// <summary>
/// Akka's log events on stderr. Akka's default logger writes to stdout, which `cora` keeps for
/// results (JSON that scripts parse); logs and progress go to stderr.
/// </summary>
public sealed class StderrLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public StderrLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => System.Console.Error.WriteLine(e.ToString()));
    }
}
