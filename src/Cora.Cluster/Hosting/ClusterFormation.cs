using Akka.Actor;
using Akka.Configuration;
using Akka.Discovery.KubernetesApi;
using Akka.Management.Cluster.Bootstrap;
using Cora.Training;

namespace Cora.Cluster.Hosting;

/// <summary>
/// How a node finds its cluster: exactly one of
/// <list type="bullet">
/// <item>a seed list (<c>--seed host:port</c> …, <c>akka.cluster.seed-nodes</c>): the coordinator
/// nodes, the same list on every node (hocon/node.conf says why);</item>
/// <item><c>--single-node</c>: a cluster of this node alone;</item>
/// <item><c>--discovery METHOD</c> (<c>cora.discovery.method</c>): Akka.Management's Cluster
/// Bootstrap. Every node serves the management endpoint (<c>akka.management.http</c>,
/// <see cref="ManagementEndpoint"/>), looks
/// up the contact points — the coordinator nodes' management endpoints, service
/// <c>akka.management.cluster.bootstrap.contact-point-discovery.service-name</c> — through
/// Akka.Discovery (<c>kubernetes</c>: the pods of its namespace with the coordinators' label,
/// Akka.Discovery.KubernetesApi; <c>config</c>: the endpoints listed under
/// <c>akka.discovery.config.services</c>), and asks each which cluster it is in. One that names
/// members: the node joins them. None, once <c>required-contact-point-nr</c> contact points have
/// answered, every contact point found has answered, and the list has not changed for
/// <c>stable-margin</c>: the contact point with the lowest address founds the cluster and the
/// others join it.</item>
/// </list>
/// Through bootstrap only a coordinator node founds a cluster: on every other node
/// <c>new-cluster-enabled</c> is off, and as the contact points are the coordinators, a trainer is
/// never the lowest of them anyway. A trainer started before the coordinators waits for their
/// cluster; it never makes one of its own.
/// </summary>
public static class ClusterFormation
{
    public const string MethodKey = "cora.discovery.method";

    /// <summary>Cora's name of each discovery method → Akka.Discovery's <c>akka.discovery.method</c>.</summary>
    private static readonly Dictionary<string, string> AkkaMethods = new(StringComparer.Ordinal)
    {
        ["kubernetes"] = "kubernetes-api",
        ["config"] = "config",
    };

    public static IReadOnlyCollection<string> Methods => AkkaMethods.Keys;

    /// <summary>Refuses a config that gives no way, or more than one, to find the cluster, or an
    /// unknown discovery method, naming what it was given.</summary>
    public static void Check(Config config, bool singleNode)
    {
        var seeds = config.GetStringList("akka.cluster.seed-nodes", []);
        var method = config.GetString(MethodKey, "");
        if (method.Length > 0 && !AkkaMethods.ContainsKey(method))
            throw new InvalidInputException($"{MethodKey}: unknown discovery method \"{method}\" (known: {string.Join(", ", Methods)})");
        var given = new List<string>();
        if (seeds.Count > 0) given.Add($"seeds ({string.Join(", ", seeds)})");
        if (singleNode) given.Add("--single-node");
        if (method.Length > 0) given.Add($"--discovery {method}");
        const string choices = "--seed host:port for each coordinator node (the same list on every node, a seed's own address included), " +
            "--single-node for a cluster of this node alone, or --discovery kubernetes to find it through Cluster Bootstrap (Kubernetes)";
        if (given.Count > 1)
            throw new InvalidInputException($"{string.Join(" and ", given)} each say how this node finds its cluster: give exactly one of {choices}");
        if (given.Count == 0)
            throw new InvalidInputException($"no seed nodes: give the cluster's seed list with {choices}");
    }

    /// <summary>The Akka settings of Cluster Bootstrap for the node <paramref name="config"/>
    /// describes (its discovery method set and checked); they go over it.</summary>
    public static Config Bootstrap(Config config)
    {
        var lines = new List<string> { $"akka.discovery.method = {AkkaMethods[config.GetString(MethodKey)]}" };
        if (!config.GetStringList("akka.cluster.roles", []).Contains(ClusterNode.CoordinatorRole))
            lines.Add("akka.management.cluster.bootstrap.new-cluster-enabled = off");
        return ConfigurationFactory.ParseString(string.Join('\n', lines));
    }

    /// <summary>What the node does to find its cluster, for its first log line.</summary>
    public static string Describe(Config config)
    {
        var method = config.GetString(MethodKey, "");
        if (method.Length > 0)
        {
            var service = config.GetString("akka.management.cluster.bootstrap.contact-point-discovery.service-name", "");
            return $"--discovery {method}: finding the cluster through Cluster Bootstrap (contact points: the coordinator nodes, service {service})";
        }
        return $"joining through the seeds {string.Join(", ", config.GetStringList("akka.cluster.seed-nodes", []))}";
    }

    /// <summary>With a discovery method: starts the management endpoint
    /// (<see cref="ManagementEndpoint"/>) and Cluster Bootstrap on <paramref name="system"/>, which
    /// then joins or founds the cluster by itself. If the endpoint cannot start, the actor system is
    /// stopped and the node refused, naming the keys.</summary>
    public static void Start(ActorSystem system, Config config)
    {
        var method = config.GetString(MethodKey, "");
        if (method.Length == 0) return;
        // Loads Akka.Discovery.KubernetesApi's defaults under the node's config (the pod label
        // selector and port name come from the node config: deploy/kubernetes/configmap.yaml).
        if (method == "kubernetes") KubernetesDiscovery.Get(system);
        try
        {
            ManagementEndpoint.Start(system);
        }
        catch (InvalidInputException)
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(30));
            throw;
        }
        ClusterBootstrap.Get(system).Start().GetAwaiter().GetResult();
    }
}
