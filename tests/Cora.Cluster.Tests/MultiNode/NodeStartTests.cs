using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>A node (or console) refuses to start on a config that would make it unsafe or useless.</summary>
public sealed class NodeStartTests
{
    /// <summary>Runs <c>cora node</c> with the shipped config as a coordinator (journal in
    /// <paramref name="temp"/>) that must refuse to start; returns its stderr.</summary>
    private static async Task<string> Refused(TempDirectory temp, string token, params string[] args)
    {
        var (code, _, stderr) = await NodeProcess.RunAsync(token, ["node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
            "--role", "coordinator", "--port", "0", "--single-node", "--db", temp.File("journal.db"), "--artifacts", temp.Path, .. args]);
        Assert.True(code == ExitCodes.DataError, $"exit {code}: {stderr}");
        return stderr;
    }

    [Theory]
    [InlineData("trainer")]
    [InlineData("coordinator")]
    public async Task A_node_without_the_shared_artifact_store_refuses_to_start(string role)
    {
        using var temp = new TempDirectory();
        var missing = temp.File("not-mounted");
        var (code, _, stderr) = await NodeProcess.RunAsync("token", "node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
            "--role", role, "--port", "0", "--single-node", "--db", temp.File("journal.db"), "--artifacts", missing);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains($"{missing} does not exist on this node; mount the shared artifact store", stderr);
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public async Task A_coordinator_node_without_a_console_token_refuses_to_start()
    {
        using var temp = new TempDirectory();
        Assert.Contains("a coordinator node needs the console token (set CORA_TOKEN)", await Refused(temp, ""));
    }

    [Fact]
    public async Task A_node_without_certificates_or_insecure_refuses_to_start_and_says_how_to_make_them()
    {
        using var temp = new TempDirectory();
        var stderr = await Refused(temp, "token");
        Assert.Contains("cora.tls.certs-dir is not set. A Cora cluster talks mutual TLS", stderr);
        Assert.Contains("cora cert create-ca --certs-dir DIR --ca-key SAFE/ca.key", stderr);
        Assert.Contains("cora cert create-node HOST…", stderr);
        Assert.Contains("--certs-dir, CORA_CERTS_DIR or cora.tls.certs-dir (hocon/node.conf)", stderr);

        // A certs directory without the node's files: the missing file is named.
        var certs = temp.File("certs");
        Directory.CreateDirectory(certs);
        Assert.Contains($"{Path.Combine(certs, "ca.crt")} does not exist; cora.tls.certs-dir is {certs}", await Refused(temp, "token", "--certs-dir", certs));
    }

    [Fact]
    public async Task A_node_whose_certificate_does_not_name_its_hostname_refuses_to_start()
    {
        using var temp = new TempDirectory();
        var certs = temp.File("certs");
        foreach (string[] command in (string[][])[["create-ca"], ["create-node", "localhost"]])
            Assert.Equal(ExitCodes.Ok, (await NodeProcess.RunAsync("token", ["cert", .. command, "--certs-dir", certs, "--ca-key", temp.File("ca.key")])).ExitCode);
        var stderr = await Refused(temp, "token", "--certs-dir", certs);
        Assert.Contains($"akka.remote.dot-netty.tcp.hostname = \"127.0.0.1\": {Path.Combine(certs, "node.pfx")} does not name this host", stderr);
        Assert.Contains("it names localhost", stderr);
    }

    [Fact]
    public async Task Insecure_nodes_and_consoles_refuse_anything_but_loopback()
    {
        using var temp = new TempDirectory();
        Assert.Contains("akka.remote.dot-netty.tcp.hostname = \"10.0.0.1\": --insecure (plain TCP) is allowed on loopback only",
            await Refused(temp, "token", "--insecure", "--hostname", "10.0.0.1"));

        var (code, _, stderr) = await NodeProcess.RunAsync("token", "cluster", "show", "--contact", "10.0.0.5:4053", "--insecure");
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("--contact 10.0.0.5:4053: --insecure (plain TCP) reaches loopback only", stderr);

        var console = temp.File("console.conf");
        File.WriteAllText(console, "akka.remote.dot-netty.tcp.hostname = \"0.0.0.0\"\n");
        (code, _, stderr) = await NodeProcess.RunAsync("token", "cluster", "show", "--contact", "127.0.0.1:1", "--insecure", "--config", console);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("akka.remote.dot-netty.tcp.hostname = \"0.0.0.0\": --insecure (plain TCP) is allowed on loopback only", stderr);
    }

    [Fact]
    public async Task A_console_without_certificates_or_insecure_refuses_to_connect_and_says_how_to_make_them()
    {
        var (code, _, stderr) = await NodeProcess.RunAsync("token", "cluster", "show", "--contact", "127.0.0.1:1");
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("cora.tls.certs-dir is not set. A Cora cluster talks mutual TLS, so a console needs certificates", stderr);
        Assert.Contains("cora cert create-client NAME --certs-dir DIR --ca-key SAFE/ca.key", stderr);
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
        Assert.Contains(", --single-node for a cluster of this node alone, or --discovery kubernetes to find it through Cluster Bootstrap", stderr);
        Assert.False(File.Exists(temp.File("journal.db")));

        (code, _, stderr) = await NodeProcess.RunAsync("token", "node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
            "--role", "trainer", "--port", "0", "--single-node", "--seed", "10.0.0.1:4053", "--artifacts", temp.Path);
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains("seeds (akka.ssl.tcp://cora@10.0.0.1:4053) and --single-node each say how this node finds its cluster: give exactly one of", stderr);
    }

    [Fact]
    public async Task A_node_given_cluster_bootstrap_and_seeds_or_single_node_refuses_to_start_naming_both()
    {
        using var temp = new TempDirectory();
        async Task<string> Refused(params string[] args)
        {
            var (code, _, stderr) = await NodeProcess.RunAsync("token", ["node", "--config", Path.Combine(Fixtures.Repository, "hocon", "node.conf"),
                "--role", "trainer", "--port", "0", "--artifacts", temp.Path, .. args]);
            Assert.True(code == ExitCodes.DataError, $"exit {code}: {stderr}");
            return stderr;
        }

        Assert.Contains("seeds (akka.ssl.tcp://cora@10.0.0.1:4053) and --discovery kubernetes each say how this node finds its cluster: give exactly one of",
            await Refused("--discovery", "kubernetes", "--seed", "10.0.0.1:4053"));
        Assert.Contains("--single-node and --discovery config each say how this node finds its cluster", await Refused("--discovery", "config", "--single-node"));
        var config = temp.File("node.conf");
        File.WriteAllText(config, File.ReadAllText(Path.Combine(Fixtures.Repository, "hocon", "node.conf")) + "\ncora.discovery.method = dns\n");
        var (code, _, stderr) = await NodeProcess.RunAsync("token", "node", "--config", config, "--role", "trainer", "--port", "0", "--artifacts", temp.Path);
        Assert.True(code == ExitCodes.DataError, $"exit {code}: {stderr}");
        Assert.Contains("cora.discovery.method: unknown discovery method \"dns\" (known: kubernetes, config)", stderr);
    }
}
