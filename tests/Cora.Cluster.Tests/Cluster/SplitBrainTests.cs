using System.Text.Json;
using Akka.Cluster.SBR;
using Akka.Configuration;
using Cora.Actors.Grids;
using Cora.Cluster.Commands;
using Cora.Cluster.Hosting;

namespace Cora.Cluster.Tests.Cluster;

/// <summary>
/// The Split Brain Resolver of hocon/node.conf counts coordinator nodes only, so trainers, however
/// many, can never down every coordinator. Checked on the shipped config as Akka reads it, and
/// on real processes: a coordinator frozen with SIGSTOP looks to its two trainers like one node
/// on the far side of a partition.
/// </summary>
public sealed class SplitBrainTests
{
    private const string Token = "split-brain-token";

    private static string Shipped => Path.Combine(Fixtures.Repository, "hocon", "node.conf");

    [Fact]
    public void The_shipped_config_keeps_the_majority_of_the_coordinator_nodes()
    {
        // Akka's own reading of the keys (SplitBrainResolverSettings), over Akka.Cluster's defaults.
        var config = HoconFile.Load(Shipped)
            .WithFallback(ConfigurationFactory.FromResource<Akka.Cluster.Cluster>("Akka.Cluster.Configuration.Cluster.conf"));
        Assert.Equal(typeof(SplitBrainResolverProvider).AssemblyQualifiedName!.Split(',')[0], config.GetString("akka.cluster.downing-provider-class").Split(',')[0]);
        var settings = new SplitBrainResolverSettings(config);
        Assert.Equal(SplitBrainResolverSettings.KeepMajorityName, settings.DowningStrategy);
        Assert.Equal(ClusterNode.CoordinatorRole, settings.KeepMajorityRole);
    }

    [Fact]
    public async Task Trainers_cut_off_from_the_only_coordinator_down_themselves_and_the_coordinator_stays_up()
    {
        using var temp = new TempDirectory();
        var artifacts = Directory.CreateDirectory(temp.File("artifacts")).FullName;
        // The shipped config with failure detection and the resolver tuned for a test (seconds,
        // not the 20 s a LAN wants), as ClusterTests tunes it. down-all-when-unstable keeps the
        // value the shipped stable-after gives it (3/4 of 20 s): derived from 3 s it would be
        // 4 s, shorter than the flapping a resumed node sees (it reads heartbeat replies that
        // waited in its socket while it was stopped: unreachable, reachable, unreachable) plus
        // stable-after, and Akka would then down every node as unstable.
        var config = temp.File("node.conf");
        File.WriteAllText(config, File.ReadAllText(Shipped) + """

            akka.cluster.split-brain-resolver.stable-after = 3s
            akka.cluster.split-brain-resolver.down-all-when-unstable = 15s
            akka.cluster.failure-detector.acceptable-heartbeat-pause = 2s
            akka.cluster.failure-detector.heartbeat-interval = 500ms
            """);
        var seed = NodeProcess.FreePort();
        string[] common = ["--seed", $"127.0.0.1:{seed}", "--db", temp.File("journal.db"), "--artifacts", artifacts];
        using var coordinator = NodeProcess.StartNodeOn(seed, config, Token, new Dictionary<string, string>(), ["--role", "coordinator", .. common]);
        await coordinator.WaitUpAsync();
        using var first = NodeProcess.StartNode(config, Token, ["--role", "trainer", "--slots", "1", .. common]);
        using var second = NodeProcess.StartNode(config, Token, ["--role", "trainer", "--slots", "1", .. common]);
        await first.WaitUpAsync();
        await second.WaitUpAsync();
        await WaitForMembers(coordinator, coordinator, first, second);

        // Frozen, the coordinator stops answering heartbeats. The trainers are two of three
        // nodes, but none of the one coordinator: counted by role they are the minority and
        // down themselves (exit 1, so a supervisor starts them again as new members). Counted
        // over all nodes they would be the majority and would down the coordinator instead.
        coordinator.Freeze();
        try
        {
            foreach (var trainer in new[] { first, second })
            {
                var exited = await Task.WhenAny(trainer.ExitAsync());
                Assert.True(exited.IsCompletedSuccessfully, $"trainer {trainer.Address} is still a member a minute after the coordinator stopped:\n{trainer.Output}");
                Assert.Equal(ExitCodes.Failure, exited.Result);
            }
        }
        finally
        {
            coordinator.Thaw();
        }
        Assert.Contains("the cluster removed this node", first.Output);
        Assert.Contains("the cluster removed this node", second.Output);

        // Running again, the coordinator downs the trainers it no longer hears and stays Up.
        await WaitForMembers(coordinator, coordinator);
        Assert.False(coordinator.HasExited, coordinator.Output);
        Assert.DoesNotContain("the cluster removed this node", coordinator.Output);
    }

    /// <summary>Polls `cluster show` until it lists exactly <paramref name="nodes"/>, each Up and
    /// reachable (deadline: 2 minutes).</summary>
    private static async Task WaitForMembers(NodeProcess contact, params NodeProcess[] nodes)
    {
        var expected = nodes.Select(n => n.Address).Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var (code, stdout, stderr) = await NodeProcess.RunAsync(Token, "cluster", "show", "--contact", contact.Contact, "--insecure", "--json");
            var members = code == ExitCodes.Ok
                ? JsonDocument.Parse(stdout).RootElement.GetProperty("members").EnumerateArray()
                    .Where(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean())
                    .Select(m => m.GetProperty("address").GetString()!).Order(StringComparer.Ordinal).ToList()
                : null;
            var all = code == ExitCodes.Ok ? JsonDocument.Parse(stdout).RootElement.GetProperty("members").GetArrayLength() : -1;
            if (members is not null && all == expected.Count && members.SequenceEqual(expected)) return;
            Assert.True(DateTime.UtcNow < deadline, $"cluster show: exit {code}, {stdout}{stderr}, expected [{string.Join(", ", expected)}]\n{contact.Output}");
            await Task.Delay(1000);
        }
    }
}
