using System.Globalization;
using System.Text.Json;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// Nodes started with no seed list form one cluster through Akka.Management's Cluster Bootstrap,
/// with Akka's config discovery naming the coordinators' management endpoints: the code path of
/// Kubernetes (`--discovery kubernetes`), which differs only in where the contact points come from.
/// </summary>
public sealed class ClusterBootstrapTests : ClusterTestKit
{
    private readonly TempDirectory _temp;

    public ClusterBootstrapTests() : this(new TempDirectory())
    {
    }

    // The singleton runs on one coordinator at a time and never moves here: a file journal will do.
    private ClusterBootstrapTests(TempDirectory temp) : base(temp.File("journal.db"), temp) => _temp = temp;

    [Fact]
    public async Task Three_coordinators_and_a_trainer_form_one_cluster_without_seeds_and_every_coordinator_sees_every_member()
    {
        var management = NodeProcess.FreePorts(4);
        var contactPoints = string.Join(", ", management.Take(3).Select(p => $"\"127.0.0.1:{Text(p)}\""));
        string ConfigWith(int port)
        {
            var file = _temp.File($"node-{Text(port)}.conf");
            File.WriteAllText(file, File.ReadAllText(Config) + $$"""

                akka.management.http { hostname = "127.0.0.1", port = {{Text(port)}} }
                akka.discovery.config.services.cora-coordinator.endpoints = [{{contactPoints}}]
                """);
            return file;
        }

        // The trainer first: it finds the coordinators' endpoints but no cluster, and must wait for
        // theirs rather than found one of its own.
        var trainer = NodeDiscovered(ConfigWith(management[3]), "trainer", "--slots", "1");
        var http = NodeProcess.FreePorts(3);
        var coordinators = Enumerable.Range(0, 3).Select(i => NodeDiscovered(ConfigWith(management[i]), "coordinator", "--http-port", Text(http[i]))).ToList();
        NodeProcess[] all = [.. coordinators, trainer];
        foreach (var node in all) await node.WaitUpAsync();
        Assert.All(all, node => Assert.Contains("finding the cluster through Cluster Bootstrap", node.Output, StringComparison.Ordinal));

        var expected = all.Select(n => $"{n.Address} up").Order(StringComparer.Ordinal).ToList();
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        for (var i = 0; i < coordinators.Count; i++)
        {
            // Each coordinator's own view of the membership (its dashboard's state).
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            List<string> members;
            while ((members = await Members(client, http[i])).SequenceEqual(expected) is false)
            {
                Assert.True(DateTime.UtcNow < deadline, $"coordinator {coordinators[i].Port} sees [{string.Join(", ", members)}], expected [{string.Join(", ", expected)}]\n{NodeLogs()}");
                await Task.Delay(500);
            }
        }
        await WaitForMembers(coordinators[0], all);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task<List<string>> Members(HttpClient client, int port)
    {
        var state = JsonDocument.Parse(await client.GetStringAsync(new Uri($"http://127.0.0.1:{Text(port)}/api/state"))).RootElement;
        return [.. state.GetProperty("members").EnumerateArray()
            .Select(m => $"{m.GetProperty("address").GetString()} {m.GetProperty("status").GetString()}").Order(StringComparer.Ordinal)];
    }
}
