using System.Globalization;
using System.Text.Json;
using Akka.Configuration;
using Cora.Actors.Grids;
using Cora.Actors.Logging;
using Cora.Training;

namespace Cora.Cluster.Hosting;

/// <summary>
/// A node's config: the command line's overrides, over the environment's
/// (<see cref="CoraEnvironment"/>), over its HOCON file, over hocon/node.conf as shipped
/// (<see cref="Shipped"/>). Seeds given as host:port become Akka addresses of the
/// <c>cora</c> actor system; the TLS setting decides the scheme.
/// </summary>
/// <remarks>
/// Every node of a cluster takes the same seed list (the coordinator nodes, the seeds included),
/// or finds the cluster through Cluster Bootstrap (<c>--discovery</c>, <see cref="ClusterFormation"/>).
/// A node with neither does not start: if it founded a cluster of its own, a restarted first
/// coordinator would found a second cluster beside the running one, with a second coordinator
/// singleton on the same journal. Only <c>--single-node</c> says that founding one's own
/// cluster is meant (one machine, development): the node's own address becomes its only seed.
/// </remarks>
public static class NodeConfig
{
    public const string HostnameKey = "akka.remote.dot-netty.tcp.hostname";
    public const string PortKey = "akka.remote.dot-netty.tcp.port";
    public const string PublicHostnameKey = "akka.remote.dot-netty.tcp.public-hostname";

    /// <summary>Where a node listens unless told otherwise (hocon/node.conf): a console's default contact.</summary>
    public static string DefaultContact => $"{Shipped.GetString(HostnameKey)}:{DefaultPort}";

    /// <summary>The Akka.Remote port of a node not told otherwise (hocon/node.conf).</summary>
    public static int DefaultPort => Shipped.GetInt(PortKey);

    public static Config Build(string? file, IReadOnlyList<string> roles, string? hostname, int? port, IReadOnlyList<string> seeds,
        string? db, string? artifacts, int? slots, int? httpPort = null, bool singleNode = false, bool insecure = false, string? certsDir = null,
        string? discovery = null)
    {
        var config = CoraEnvironment.Overrides().WithFallback(file is null ? ConfigurationFactory.Empty : HoconFile.Load(file)).WithFallback(Shipped);
        // TLS is on unless the command line says --insecure, whatever a config file says.
        var tls = TlsSettings.EnableLine(insecure);
        var lines = new List<string> { tls };
        if (certsDir is not null) lines.Add($"cora.tls.certs-dir = {Quote(Path.GetFullPath(certsDir))}");
        if (roles.Count > 0) lines.Add($"akka.cluster.roles = [{string.Join(", ", roles.Select(Quote))}]");
        if (hostname is not null) lines.Add($"{HostnameKey} = {Quote(hostname)}");
        if (port is not null) lines.Add($"{PortKey} = {port.Value.ToString(CultureInfo.InvariantCulture)}");
        if (seeds.Count > 0) lines.Add($"akka.cluster.seed-nodes = [{string.Join(", ", seeds.Select(s => Quote(SeedAddress(s, ConfigurationFactory.ParseString(tls)))))}]");
        if (db is not null) lines.Add($"cora.journal = {Quote(db)}");
        if (artifacts is not null) lines.Add($"cora.artifacts.path = {Quote(Path.GetFullPath(artifacts))}");
        if (slots is not null) lines.Add($"cora.trainer.slots = {slots.Value.ToString(CultureInfo.InvariantCulture)}");
        if (httpPort is not null) lines.Add($"cora.http.port = {httpPort.Value.ToString(CultureInfo.InvariantCulture)}");
        if (discovery is not null) lines.Add($"{ClusterFormation.MethodKey} = {Quote(discovery)}");
        var merged = ConfigurationFactory.ParseString(string.Join('\n', lines)).WithFallback(config);
        // Akka's own shutdown lines in the node's log format (reference.conf has the text one).
        if (merged.GetString("cora.logging.format", "text") == "json" && !merged.HasPath("akka.stdout-logger-class"))
            merged = ConfigurationFactory.ParseString($"akka.stdout-logger-class = {Quote(StderrLogger.MinimalLoggerFor("json"))}").WithFallback(merged);
        ClusterFormation.Check(merged, singleNode);
        if (singleNode)
        {
            var self = $"{Scheme(merged)}://cora@{merged.GetString(HostnameKey)}:{merged.GetInt(PortKey)}";
            merged = ConfigurationFactory.ParseString($"akka.cluster.seed-nodes = [{Quote(self)}]").WithFallback(merged);
        }
        else if (merged.GetString(ClusterFormation.MethodKey, "").Length > 0)
        {
            merged = ClusterFormation.Bootstrap(merged).WithFallback(merged);
        }
        return merged;
    }

    /// <summary>hocon/node.conf as shipped (built into the executable), environment references
    /// resolved: the defaults of every node's Akka settings, under its own --config file.</summary>
    public static Config Shipped => HoconFile.Parse(ShippedText.Value, "hocon/node.conf (built into cora)");

    private static readonly Lazy<string> ShippedText = new(() =>
    {
        using var stream = typeof(NodeConfig).Assembly.GetManifestResourceStream("Cora.Cluster.node.conf")
            ?? throw new InvalidOperationException("Cora.Cluster.node.conf is not embedded in the executable");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    });

    /// <summary><c>host:port</c> → <c>akka.tcp://cora@host:port</c> (<c>akka.ssl.tcp</c> with TLS); a full address is kept.</summary>
    public static string SeedAddress(string seed, Config config)
    {
        if (seed.Contains("://", StringComparison.Ordinal)) return seed;
        var colon = seed.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(seed[(colon + 1)..], out _))
            throw new InvalidInputException($"--seed {seed}: expected host:port (e.g. 10.0.0.5:{DefaultPort})");
        return $"{Scheme(config)}://cora@{seed}";
    }

    private static string Scheme(Config config) => config.GetBoolean(TlsSettings.EnableKey, true) ? "akka.ssl.tcp" : "akka.tcp";

    private static string Quote(string value) => JsonSerializer.Serialize(value);
}
