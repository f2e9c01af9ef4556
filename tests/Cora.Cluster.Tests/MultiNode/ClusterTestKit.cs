using System.Text.Json;
using Cora.Actors.Grids;
using Cora.Cluster.Commands;
using Npgsql;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// What the multi-process cluster tests share: `cora node` processes on 127.0.0.1 with the
/// shipped node config (failure detection tuned for a test), the journal in a PostgreSQL
/// database, console commands with --json, sweep status polling, and the journal's events to check
/// what the cluster did. Disposing kills every node still running and deletes the temp directory.
/// </summary>
public abstract class ClusterTestKit : IDisposable
{
    protected const string Token = "test-token-7f3a";
    private readonly TempDirectory _directory;
    private readonly string _db;
    private readonly List<NodeProcess> _nodes = [];

    /// <param name="db">The journal's PostgreSQL connection string, for every node and the checks.</param>
    /// <param name="directory">Holds the node config and the artifact store; disposed with the kit.</param>
    protected ClusterTestKit(string db, TempDirectory directory)
    {
        _db = db;
        _directory = directory;
        Directory.CreateDirectory(Artifacts);   // the shared store exists before any node starts
        // The shipped node config, with failure detection and the Split Brain Resolver tuned for
        // a test: a killed node is downed after seconds, not the 20 s a LAN wants.
        File.WriteAllText(Config, File.ReadAllText(Path.Combine(Fixtures.Repository, "hocon", "node.conf")) + """

            akka.cluster.split-brain-resolver.stable-after = 3s
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
            akka.cluster.failure-detector.heartbeat-interval = 500ms
            cora.trainer.recheck-every = 2s
            """);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing) return;
        foreach (var node in _nodes) node.Dispose();
        _directory.Dispose();
    }

    protected string Config => _directory.File("node.conf");
    protected string Artifacts => _directory.File("artifacts");

    /// <summary>The journal's PostgreSQL connection string.</summary>
    protected string Db => _db;

    /// <summary>A node whose only seed is <paramref name="seed"/>; with none, a founding node whose
    /// seed list is its own address (the first seed of a one-coordinator cluster).</summary>
    protected NodeProcess Node(string role, NodeProcess? seed, params string[] more) => NodeWith(Config, role, seed, more);

    /// <summary>As <see cref="Node(string, NodeProcess?, string[])"/>, with a config of the test's
    /// own (e.g. the kit's plus a few keys).</summary>
    protected NodeProcess NodeWith(string config, string role, NodeProcess? seed, params string[] more)
    {
        var port = NodeProcess.FreePort();
        return Start(config, role, seed is null ? [port] : [seed.Port], port, more);
    }

    /// <summary>A node on <paramref name="port"/> (a free one when null) with the seed list
    /// <paramref name="seeds"/> (the coordinators' ports), the same on every node as hocon/node.conf asks.</summary>
    protected NodeProcess NodeSeeded(string role, IReadOnlyList<int> seeds, int? port = null, params string[] more) =>
        Start(Config, role, seeds, port ?? NodeProcess.FreePort(), more);

    /// <summary>A node with no seed list that finds its cluster through Cluster Bootstrap with
    /// Akka's config discovery (<c>--discovery config</c>): <paramref name="config"/> lists the
    /// contact points and gives the node its own management endpoint.</summary>
    protected NodeProcess NodeDiscovered(string config, string role, params string[] more) =>
        Start(config, role, [], NodeProcess.FreePort(), ["--discovery", "config", .. more]);

    private NodeProcess Start(string config, string role, IReadOnlyList<int> seeds, int port, string[] more)
    {
        string[] args = ["--role", role, "--db", _db, "--artifacts", Artifacts, .. seeds.SelectMany(s => new[] { "--seed", $"127.0.0.1:{s}" }), .. more];
        return Track(NodeProcess.StartNodeOn(port, config, Token, new Dictionary<string, string>(), args));
    }

    /// <summary>A node the test started itself: killed at the end and shown in <see cref="NodeLogs"/>.</summary>
    protected NodeProcess Track(NodeProcess node)
    {
        _nodes.Add(node);
        return node;
    }

    /// <summary>A coordinator and <paramref name="trainers"/> one-slot trainers, all Up.</summary>
    protected async Task<(NodeProcess Coordinator, List<NodeProcess> Trainers)> StartCluster(int trainers)
    {
        var coordinator = Node("coordinator", null);
        await coordinator.WaitUpAsync();
        var list = Enumerable.Range(0, trainers).Select(_ => Node("trainer", coordinator, "--slots", "1")).ToList();
        foreach (var t in list) await t.WaitUpAsync();
        return (coordinator, list);
    }

    /// <summary>Coordinator nodes on the seed ports (the first founds the cluster, the others join
    /// it) and one trainer with <paramref name="slots"/> slots, all Up.</summary>
    protected async Task<(List<NodeProcess> Coordinators, NodeProcess Trainer)> StartCoordinators(int[] seeds, int slots)
    {
        var first = NodeSeeded("coordinator", seeds, seeds[0]);
        await first.WaitUpAsync();
        var coordinators = seeds.Skip(1).Select(port => NodeSeeded("coordinator", seeds, port)).Prepend(first).ToList();
        foreach (var node in coordinators) await node.WaitUpAsync();
        // Only now, with the seed ports bound, is a free port sure not to be one of them.
        var trainer = NodeSeeded("trainer", seeds, more: ["--slots", slots.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await trainer.WaitUpAsync();
        return (coordinators, trainer);
    }

    /// <summary>`cluster show` through <paramref name="contact"/>: each member's address and status
    /// (and whether it is reachable), in address order; null while the cluster is unavailable.</summary>
    protected async Task<List<string>?> Members(NodeProcess contact) =>
        await TryConsole(contact, "cluster", "show") is { } view
            ? view.GetProperty("members").EnumerateArray()
                .Select(m => $"{m.GetProperty("address").GetString()} {m.GetProperty("status").GetString()}{(m.GetProperty("reachable").GetBoolean() ? "" : " unreachable")}")
                .Order(StringComparer.Ordinal).ToList()
            : null;

    /// <summary>Polls `cluster show` through <paramref name="contact"/> until it lists exactly
    /// <paramref name="nodes"/>, each Up and reachable (deadline: 2 minutes).</summary>
    protected async Task WaitForMembers(NodeProcess contact, params NodeProcess[] nodes)
    {
        var expected = nodes.Select(n => $"{n.Address} Up").Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var members = await Members(contact);
            if (members is not null && members.SequenceEqual(expected)) return;
            Assert.True(DateTime.UtcNow < deadline, $"cluster show --contact {contact.Contact}: [{string.Join(", ", members ?? [])}], expected [{string.Join(", ", expected)}]\n{NodeLogs()}");
            await Task.Delay(1000);
        }
    }

    protected async Task<JsonElement> Console(NodeProcess contact, params string[] args) =>
        await TryConsole(contact, args) ?? throw new Xunit.Sdk.XunitException($"cora {string.Join(' ', args)}: the cluster was unavailable\n{NodeLogs()}");

    /// <summary>Runs a console command; null when the cluster answered "unavailable" (exit 69),
    /// as it does while the coordinator singleton moves.</summary>
    protected async Task<JsonElement?> TryConsole(NodeProcess contact, params string[] args)
    {
        var (code, stdout, stderr) = await NodeProcess.RunAsync(Token, [.. args, "--contact", contact.Contact, "--insecure", "--json"]);
        if (code == ExitCodes.Unavailable) return null;
        Assert.True(code == ExitCodes.Ok, $"cora {string.Join(' ', args)} exited {code}:\n{stderr}\n{NodeLogs()}");
        try
        {
            return JsonDocument.Parse(stdout).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new Xunit.Sdk.XunitException($"cora {string.Join(' ', args)} printed no single JSON value ({e.Message}):\n{stdout}");
        }
    }

    /// <summary>The end of every node's output, for a failure message.</summary>
    protected string NodeLogs() => string.Join("\n", _nodes.Select(n =>
        $"--- node {n.Port}{(n.HasExited ? " (exited)" : "")}:\n{string.Join('\n', n.Output.Split('\n').TakeLast(25))}"));

    protected async Task<string> StartSweep(NodeProcess contact, string grid) =>
        (await Console(contact, "sweep", "start", grid)).GetProperty("sweep_id").GetString()!;

    /// <summary>Polls `sweep status` until <paramref name="done"/> holds (deadline: 10 minutes, for a
    /// machine loaded by other work: the smoke grid takes 1–2 minutes on an idle 2-core one).</summary>
    protected async Task<JsonElement> WaitFor(NodeProcess contact, string sweep, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            var status = await TryConsole(contact, "sweep", "status", sweep);
            if (status is { } answer && done(answer)) return answer;
            Assert.True(DateTime.UtcNow < deadline, $"sweep {sweep} did not get there: {status}\n{NodeLogs()}");
            await Task.Delay(1000);
        }
    }

    protected static bool Finished(JsonElement status) => status.GetProperty("state").GetString() != "running";

    protected static List<string> Planned(string grid) =>
        SweepPlanner.Plan(GridReader.Read(grid), new ContentHashes(null)).Trials.Select(t => t.TrialId).ToList();

    /// <summary>Trial ids of the journal's trial-succeeded events.</summary>
    protected async Task<List<string>> JournaledSuccesses() =>
        (await Journaled("trial-succeeded")).Select(e => e.GetProperty("trial_id").GetString()!).ToList();

    /// <summary>The journal's events with this manifest, in order, as JSON.</summary>
    protected async Task<List<JsonElement>> Journaled(string manifest)
    {
        await using var connection = new NpgsqlConnection(_db);
        await connection.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT payload FROM event_journal WHERE manifest = @manifest ORDER BY ordering", connection);
        query.Parameters.AddWithValue("manifest", manifest);
        await using var reader = await query.ExecuteReaderAsync();
        var events = new List<JsonElement>();
        while (await reader.ReadAsync()) events.Add(JsonDocument.Parse((byte[])reader[0]).RootElement.Clone());
        return events;
    }

    /// <summary>Every planned trial has exactly one trial-succeeded event: none missing, none twice.</summary>
    protected async Task AssertEveryTrialExactlyOnce(string grid)
    {
        Assert.Equal(Planned(grid).Order(), (await JournaledSuccesses()).Order());
    }
}
