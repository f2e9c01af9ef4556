using System.Text.Json;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>Structured logs from a real node: with CORA_LOG_FORMAT=json (hocon/node.conf) every
/// line it writes, Akka's and its own, is one JSON object.</summary>
public sealed class NodeLogTests
{
    [Fact]
    public async Task With_json_logging_every_line_of_a_node_is_one_json_object()
    {
        using var temp = new TempDirectory();
        using var node = NodeProcess.StartNode(Path.Combine(Fixtures.Repository, "hocon", "node.conf"), "log-token",
            new Dictionary<string, string> { ["CORA_LOG_FORMAT"] = "json" },
            "--role", "coordinator", "--single-node", "--db", temp.File("journal.db"), "--artifacts", temp.Path);
        await node.WaitUpAsync();
        await node.StopAsync();

        var lines = node.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 5, node.Output);
        foreach (var line in lines)
        {
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(line).RootElement;
            }
            catch (JsonException)
            {
                throw new Xunit.Sdk.XunitException($"not a JSON line: {line}\n--- whole output:\n{node.Output}");
            }
            Assert.Contains(json.GetProperty("level").GetString(), (string[])["debug", "info", "warning", "error"]);
            Assert.True(DateTimeOffset.TryParse(json.GetProperty("time").GetString(), System.Globalization.CultureInfo.InvariantCulture, out _), line);
            Assert.False(string.IsNullOrEmpty(json.GetProperty("logger").GetString()), line);
        }
        Assert.Contains(lines, l => l.Contains("\"logger\":\"cora.node\"", StringComparison.Ordinal) && l.Contains(" is up", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"logger\":\"Cluster (akka://cora)\"", StringComparison.Ordinal));
    }
}
