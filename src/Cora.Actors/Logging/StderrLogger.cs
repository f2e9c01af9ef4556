using System.Text.Json;
using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;

namespace Cora.Actors.Logging;

/// <summary>
/// Akka's log events on stderr. Akka's default logger writes to stdout, which `cora` keeps for
/// results (JSON that scripts parse); logs and progress go to stderr. With
/// <c>cora.logging.format = json</c> each event is one JSON object per line
/// (<see cref="JsonLine"/>), for a log shipper; otherwise Akka's own text line.
/// </summary>
public sealed class StderrLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public StderrLogger()
    {
        var format = Context.System.Settings.Config.GetString("cora.logging.format", "text");
        if (format is not ("text" or "json"))
            throw new Akka.Configuration.ConfigurationException($"cora.logging.format: expected text or json (got \"{format}\")");
        var json = format == "json";
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => System.Console.Error.WriteLine(json ? JsonLine(e) : e.ToString()));
    }

    /// <summary>One log event as a single-line JSON object: <c>time</c> (ISO 8601, UTC),
    /// <c>level</c> (debug | info | warning | error), <c>logger</c> (the source actor or class),
    /// <c>thread</c>, <c>message</c>, and <c>error</c> (the exception, when there is one).</summary>
    public static string JsonLine(LogEvent e)
    {
        var line = new Dictionary<string, object?>
        {
            ["time"] = new DateTimeOffset(e.Timestamp.ToUniversalTime(), TimeSpan.Zero).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["level"] = e.LogLevel() switch
            {
                LogLevel.DebugLevel => "debug",
                LogLevel.InfoLevel => "info",
                LogLevel.WarningLevel => "warning",
                _ => "error",
            },
            ["logger"] = e.LogSource,
            ["thread"] = e.Thread.ManagedThreadId,
            ["message"] = e.Message?.ToString(),
        };
        if (e.Cause is { } cause) line["error"] = cause.ToString();
        return JsonSerializer.Serialize(line);
    }
}
