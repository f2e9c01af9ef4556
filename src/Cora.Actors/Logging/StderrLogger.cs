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
    /// <summary>Escapes only what JSON requires (a log line is not embedded in HTML), so "+00:00"
    /// and quotes in messages stay readable.</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public StderrLogger()
    {
        var format = Context.System.Settings.Config.GetString("cora.logging.format", "text");
        if (format is not ("text" or "json"))
            throw new Akka.Configuration.ConfigurationException($"cora.logging.format: expected text or json (got \"{format}\")");
        var json = format == "json";
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(e => System.Console.Error.WriteLine(json ? JsonLine(e) : e.ToString()));
    }

    /// <summary><c>akka.stdout-logger-class</c> for <c>cora.logging.format = text</c>: what Akka
    /// logs before its loggers start and after they stop (remoting shutting down, say) goes to
    /// stderr too, never stdout.</summary>
    public sealed class TextLines : MinimalLogger
    {
        protected override void Log(object message) => System.Console.Error.WriteLine(message.ToString());
    }

    /// <summary><c>akka.stdout-logger-class</c> for <c>cora.logging.format = json</c>: the same,
    /// as JSON lines.</summary>
    public sealed class JsonLines : MinimalLogger
    {
        protected override void Log(object message) => System.Console.Error.WriteLine(message is LogEvent e
            ? JsonLine(e)
            : JsonLine(DateTimeOffset.UtcNow, "info", "akka", Environment.CurrentManagedThreadId, message.ToString()));
    }

    /// <summary>The minimal logger class (<c>akka.stdout-logger-class</c>) for a log format.</summary>
    public static string MinimalLoggerFor(string format) =>
        (format == "json" ? typeof(JsonLines) : typeof(TextLines)).FullName + ", " + typeof(StderrLogger).Assembly.GetName().Name;

    /// <summary>One log event as a single-line JSON object: <c>time</c> (ISO 8601, UTC),
    /// <c>level</c> (debug | info | warning | error), <c>logger</c> (the source actor or class),
    /// <c>thread</c>, <c>message</c>, and <c>error</c> (the exception, when there is one).</summary>
    public static string JsonLine(LogEvent e) => JsonLine(new DateTimeOffset(e.Timestamp.ToUniversalTime(), TimeSpan.Zero),
        e.LogLevel() switch
        {
            LogLevel.DebugLevel => "debug",
            LogLevel.InfoLevel => "info",
            LogLevel.WarningLevel => "warning",
            _ => "error",
        },
        e.LogSource, e.Thread.ManagedThreadId, e.Message?.ToString(), e.Cause?.ToString());

    /// <summary>A line in the same shape for what is logged outside Akka (the node command's own
    /// lines), so a JSON log stays one object per line.</summary>
    public static string JsonLine(DateTimeOffset time, string level, string logger, int thread, string? message, string? error = null)
    {
        var line = new Dictionary<string, object?>
        {
            ["time"] = time.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["level"] = level,
            ["logger"] = logger,
            ["thread"] = thread,
            ["message"] = message,
        };
        if (error is not null) line["error"] = error;
        return JsonSerializer.Serialize(line, Json);
    }
}
