using Akka.Cluster.SBR;
using Akka.Configuration;
using Cora.Actors.Grids;
using Cora.Cluster.Commands;
using Cora.Cluster.Hosting;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// The Split Brain Resolver of hocon/node.conf counts coordinator nodes only, so trainers, however
/// many, can never down every coordinator. Checked on the shipped config as Akka reads it, and
/// on real processes: a coordinator frozen with SIGSTOP looks to its two trainers like one node
/// on the far side of a partition.
/// </summary>
public sealed class SplitBrainTests : ClusterTestKit
{
    private readonly TempDirectory _temp;

    public SplitBrainTests() : this(new TempDirectory())
    {
    }

    // A one-node journal is enough: the coordinator is never replaced here.
    private SplitBrainTests(TempDirectory temp) : base(temp.File("journal.db"), temp) => _temp = temp;

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
        // The kit's test tuning of failure detection and the resolver (seconds, not the 20 s a
        // LAN wants), but down-all-when-unstable keeps the value the shipped stable-after gives it
        // (3/4 of 20 s): derived from 3 s it would be 4 s, shorter than the flapping a resumed node
        // sees (it reads heartbeat replies that waited in its socket while it was stopped:
        // unreachable, reachable, unreachable) plus stable-after, and Akka would then down every
        // node as unstable.
        var config = _temp.File("split-brain.conf");
        File.WriteAllText(config, File.ReadAllText(Config) + "\nakka.cluster.split-brain-resolver.down-all-when-unstable = 15s\n");
        var coordinator = NodeWith(config, "coordinator", null);
        await coordinator.WaitUpAsync();
        var first = NodeWith(config, "trainer", coordinator, "--slots", "1");
        var second = NodeWith(config, "trainer", coordinator, "--slots", "1");
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
}
