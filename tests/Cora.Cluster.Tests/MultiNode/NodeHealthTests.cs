using System.Globalization;
using System.Net;
using System.Text.Json;
using Cora.Cluster.Commands;
using Cora.Tests;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// /healthz and /readyz of real `cora node` processes, over HTTP as Kubernetes and the systemd
/// units ask them. The journal is a PostgreSQL server of this class's own, which a test kills
/// (every server process at once, as a crash would) and starts again.
/// </summary>
public sealed class NodeHealthTests : ClusterTestKit
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);
    private readonly PostgresServer _server;
    private readonly TempDirectory _temp;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public NodeHealthTests() : this(new PostgresServer(), new TempDirectory())
    {
    }

    private NodeHealthTests(PostgresServer server, TempDirectory temp) : base(server.CreateDatabase(), temp)
    {
        _server = server;
        _temp = temp;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);   // the nodes first: they hold connections to the server
        if (!disposing) return;
        _http.Dispose();
        _server.Dispose();
    }

    [Fact]
    public async Task A_coordinator_is_ready_once_up_with_its_journal_and_singleton_and_not_while_the_database_is_down_yet_stays_alive()
    {
        // Bound off loopback, where the dashboard asks for the token: probes get through without it.
        var config = _temp.File("open-http.conf");
        File.WriteAllText(config, File.ReadAllText(Config) + "\ncora.http.hostname = \"0.0.0.0\"\n");
        var port = NodeProcess.FreePort();
        var coordinator = NodeWith(config, "coordinator", null, "--http-port", Text(port));
        await coordinator.WaitUpAsync();

        Assert.Equal(HttpStatusCode.OK, (await Get(port, "healthz")).StatusCode);
        var ready = await Readiness(port, HttpStatusCode.OK);
        Assert.Equal(["member ok", "journal ok", "coordinator-singleton ok"], Checks(ready));
        Assert.Equal(HttpStatusCode.Unauthorized, (await Get(port, "api/state")).StatusCode);

        _server.Kill();
        var down = await Readiness(port, HttpStatusCode.ServiceUnavailable);
        Assert.Equal(["member ok", "journal failed", "coordinator-singleton ok"], Checks(down));
        var reason = down.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "journal").GetProperty("reason").GetString();
        Assert.False(string.IsNullOrWhiteSpace(reason));
        Assert.DoesNotContain(_server.Port.ToString(CultureInfo.InvariantCulture), reason, StringComparison.Ordinal);
        // Alive all the same: a liveness probe must not restart nodes for the database's outage.
        Assert.Equal(HttpStatusCode.OK, (await Get(port, "healthz")).StatusCode);
        var (code, stdout, stderr) = await NodeProcess.RunAsync(Token, "health", "--http-port", Text(port));
        Assert.True(code == ExitCodes.Unavailable, $"cora health exited {code}: {stdout}{stderr}");
        Assert.Contains("\"name\":\"journal\",\"status\":\"failed\"", stderr, StringComparison.Ordinal);
        await coordinator.WaitForOutputAsync("Health check journal failed: ", Deadline);

        _server.Start();
        // What the systemd units run after starting a node: it returns once the node is ready.
        (code, stdout, stderr) = await NodeProcess.RunAsync(Token, "health", "--http-port", Text(port), "--wait", "120");
        Assert.True(code == ExitCodes.Ok, $"cora health --wait exited {code}: {stderr}\n{NodeLogs()}");
        Assert.Equal(["member ok", "journal ok", "coordinator-singleton ok"], Checks(JsonDocument.Parse(stdout).RootElement));
        await coordinator.WaitForOutputAsync("Health check journal is ok again", Deadline);
    }

    [Fact]
    public async Task A_trainer_has_no_journal_check_and_is_ready_once_it_reaches_the_coordinator_singleton()
    {
        var coordinator = Node("coordinator", null);
        await coordinator.WaitUpAsync();
        var port = NodeProcess.FreePort();
        var trainer = Node("trainer", coordinator, "--slots", "1", "--http-port", Text(port));
        await trainer.WaitUpAsync();

        var ready = await Readiness(port, HttpStatusCode.OK);
        Assert.Equal(["member ok", "coordinator-singleton ok"], Checks(ready));
        Assert.Equal(HttpStatusCode.OK, (await Get(port, "healthz")).StatusCode);
        // A trainer serves no dashboard by default (cora.http.dashboard = auto).
        Assert.Equal(HttpStatusCode.NotFound, (await Get(port, "api/state")).StatusCode);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private Task<HttpResponseMessage> Get(int port, string path) => _http.GetAsync(new Uri($"http://127.0.0.1:{port}/{path}"));

    /// <summary>Each check as "name status", in the order the node reports them.</summary>
    private static List<string> Checks(JsonElement report) =>
        [.. report.GetProperty("checks").EnumerateArray().Select(c => $"{c.GetProperty("name").GetString()} {c.GetProperty("status").GetString()}")];

    /// <summary>Polls /readyz until it answers <paramref name="expected"/>; returns that answer's body.</summary>
    private async Task<JsonElement> Readiness(int port, HttpStatusCode expected)
    {
        var until = DateTime.UtcNow + Deadline;
        while (true)
        {
            string last;
            try
            {
                using var response = await Get(port, "readyz");
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
                if (response.StatusCode == expected) return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            Assert.True(DateTime.UtcNow < until, $"/readyz on port {port} did not answer {(int)expected} within {Deadline.TotalSeconds} s; last: {last}\n{NodeLogs()}");
            await Task.Delay(500);
        }
    }
}
