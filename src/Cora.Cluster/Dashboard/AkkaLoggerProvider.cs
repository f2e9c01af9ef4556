using Akka.Event;
using Microsoft.Extensions.Logging;

namespace Cora.Cluster.Dashboard;

/// <summary>ASP.NET Core's log messages (Kestrel, the web host) through the node's Akka log, so
/// they reach stderr in the node's one log format (text or JSON lines, Logging/StderrLogger).</summary>
internal sealed class AkkaLoggerProvider(ILoggingAdapter log) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ILoggingAdapter log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => logLevel >= Microsoft.Extensions.Logging.LogLevel.Warning;

        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var message = $"{category}: {formatter(state, exception)}";
            if (logLevel >= Microsoft.Extensions.Logging.LogLevel.Error) log.Error(exception, "{0}", message);
            else log.Warning("{0}", message);
        }
    }
}
