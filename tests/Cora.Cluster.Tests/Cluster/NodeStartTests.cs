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
            "--role", "trainer", "--port", "0", "--artifacts", missing);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains($"{missing} does not exist on this node; mount the shared artifact store", stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task A_coordinator_node_without_a_console_token_refuses_to_start()
    {
        using var temp = new TempDirectory();
        var (code, _, stderr) = await NodeProcess.RunAsync("", "node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
            "--role", "coordinator", "--port", "0", "--db", temp.File("journal.db"));
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("a coordinator node needs the console token (set CORA_TOKEN)", stderr);
    }
}
