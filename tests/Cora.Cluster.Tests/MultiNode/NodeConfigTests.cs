using Cora.Actors.Grids;
using Cora.Cluster.Commands;
using Cora.Cluster.Hosting;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>Where a node's settings come from: hocon/node.conf as shipped, under the node's own
/// file, under the environment (one list), under the command line.</summary>
public sealed class NodeConfigTests
{
    [Fact]
    public void Without_a_config_file_a_node_has_the_shipped_node_conf()
    {
        var config = NodeConfig.Build(null, ["coordinator"], null, 4100, [], null, null, null, singleNode: true, insecure: true);
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Equal("coordinator", config.GetString("akka.cluster.split-brain-resolver.keep-majority.role"));
        Assert.Equal(["akka.tcp://cora@127.0.0.1:4100"], config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Fact]
    public void The_defaults_that_help_texts_and_consoles_show_are_read_from_the_shipped_files()
    {
        var shipped = HoconFile.Load(Path.Combine(Fixtures.Repository, "hocon", "node.conf"));
        Assert.Equal($"{shipped.GetString(NodeConfig.HostnameKey)}:{shipped.GetInt(NodeConfig.PortKey)}", NodeConfig.DefaultContact);
        var contact = new ConsoleOptions().Contact.Description!;
        Assert.EndsWith($"else {NodeConfig.DefaultContact})", contact);
        var run = RunCommand.Create().Options.Single(o => o.Name == "--artifacts");
        Assert.Equal(Cora.Actors.CoraConfig.Reference.GetString("cora.artifacts.path"), run.GetDefaultValue());
    }

    [Fact]
    public void The_command_line_beats_the_environment_which_beats_the_config_file()
    {
        using var temp = new TempDirectory();
        var file = temp.File("node.conf");
        File.WriteAllText(file, "cora.journal = \"from-file.db\"\ncora.logging.format = text\n");
        var environment = new Dictionary<string, string> { ["CORA_DB"] = "from-env.db", ["CORA_LOG_FORMAT"] = "json", ["CORA_CERTS_DIR"] = "certs" };
        var overrides = CoraEnvironment.Overrides(environment.GetValueOrDefault);
        Assert.Equal("from-env.db", overrides.GetString("cora.journal"));
        Assert.Equal("json", overrides.GetString("cora.logging.format"));
        Assert.Equal(Path.GetFullPath("certs"), overrides.GetString("cora.tls.certs-dir"));
        Assert.False(overrides.HasPath("cora.console.token"));   // unset: nothing
        // The file alone (no CORA_DB in this process), then the command line over it.
        Assert.Equal("from-file.db", NodeConfig.Build(file, ["coordinator"], null, null, [], null, null, null, singleNode: true, insecure: true).GetString("cora.journal"));
        Assert.Equal("cli.db", NodeConfig.Build(file, ["coordinator"], null, null, [], "cli.db", null, null, singleNode: true, insecure: true).GetString("cora.journal"));
    }

    [Fact]
    public void Every_variable_a_node_reads_is_in_the_one_list_and_sets_a_key_the_defaults_know()
    {
        var defaults = NodeConfig.Shipped.WithFallback(Cora.Actors.CoraConfig.Reference);
        Assert.All(CoraEnvironment.All.Where(v => v.Key is not null), v => Assert.True(v.Key == "cora.console.token" || defaults.HasPath(v.Key!), v.Name));
        Assert.Contains("CORA_TOKEN", CoraEnvironment.Describe());
        // Nothing else in the source reads a CORA_ variable by name.
        var readers = Directory.EnumerateFiles(Path.Combine(Fixtures.Repository, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => File.ReadAllText(f).Contains("GetEnvironmentVariable(\"CORA_", StringComparison.Ordinal)).ToList();
        Assert.Empty(readers);
    }
}
