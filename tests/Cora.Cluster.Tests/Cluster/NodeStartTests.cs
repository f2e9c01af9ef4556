using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.Cluster;

/// <summary>A node refuses to start on a config that would make it unsafe or useless.</summary>
public sealed class NodeStartTests
{
    [Fact]
    public async Task A_trainer_node_without_the_shared_artifact_store_refuses_to_start()
    {
        using var temp = new TempDirectory();
        var missing = temp.File("not-mounted");
        var (code, _, stderr) = await NodeProcess.RunAsync("token", "node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
            "--role", "trainer", "--port", "0", "--single-node", "--artifacts", missing);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains($"{missing} does not exist on this node; mount the shared artifact store", stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task A_coordinator_node_without_a_console_token_refuses_to_start()
    {
        using var temp = new TempDirectory();
        var (code, _, stderr) = await NodeProcess.RunAsync("", "node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
            "--role", "coordinator", "--port", "0", "--single-node", "--db", temp.File("journal.db"));
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("a coordinator node needs the console token (set CORA_TOKEN)", stderr);
    }

    [Fact]
    public async Task A_node_without_seeds_refuses_to_start_unless_it_is_told_it_is_a_cluster_of_its_own()
    {
        // Founding a cluster of its own by default is how a restarted coordinator would found a
        // second cluster beside the running one (hocon/node.conf, seed-nodes).
        using var temp = new TempDirectory();
        var (code, _, stderr) = await NodeProcess.RunAsync("token", "node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
            "--role", "coordinator", "--port", "0", "--db", temp.File("journal.db"));
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("no seed nodes: give the cluster's seed list with --seed host:port for each coordinator node", stderr);
        Assert.Contains("or --single-node for a cluster of this node alone", stderr);
        Assert.False(File.Exists(temp.File("journal.db")));

        (code, _, stderr) = await NodeProcess.RunAsync("token", "node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
            "--role", "trainer", "--port", "0", "--single-node", "--seed", "10.0.0.1:4053", "--artifacts", temp.Path);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("--single-node founds a cluster of this node alone, but seeds are given (", stderr);
        Assert.Contains("cora@10.0.0.1:4053)", stderr);
    }
}
