using System.Text.Json;
using Akka.Event;
using Cora.Actors.Logging;

namespace Cora.Actors.Tests.Logging;

/// <summary>Structured logs: one JSON object per line with the fields a log shipper keys on.</summary>
public sealed class StderrLoggerTests
{
    [Fact]
    public void A_log_event_is_one_line_of_json_with_time_level_logger_message_and_the_error()
    {
        var warning = new Warning("akka://cora/user/coordinator", typeof(StderrLoggerTests), "Trial t1 attempt 2 failed: \"exit 134\"\nsecond line");
        var line = StderrLogger.JsonLine(warning);

        Assert.DoesNotContain('\n', line);
        var json = JsonDocument.Parse(line).RootElement;
        var time = json.GetProperty("time").GetString()!;
        Assert.EndsWith("+00:00", time, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(warning.Timestamp, TimeSpan.Zero), DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("warning", json.GetProperty("level").GetString());
        Assert.Equal("akka://cora/user/coordinator", json.GetProperty("logger").GetString());
        Assert.Equal("Trial t1 attempt 2 failed: \"exit 134\"\nsecond line", json.GetProperty("message").GetString());
        Assert.False(json.TryGetProperty("error", out _));

        var error = JsonDocument.Parse(StderrLogger.JsonLine(new Error(new InvalidOperationException("boom"), "trainer-0", typeof(StderrLoggerTests), "crashed"))).RootElement;
        Assert.Equal("error", error.GetProperty("level").GetString());
        Assert.Contains("System.InvalidOperationException: boom", error.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(["debug", "info"], new LogEvent[] { new Debug("s", typeof(StderrLoggerTests), "d"), new Info("s", typeof(StderrLoggerTests), "i") }
            .Select(e => JsonDocument.Parse(StderrLogger.JsonLine(e)).RootElement.GetProperty("level").GetString()));
    }
}
