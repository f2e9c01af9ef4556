using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Akka.Management.Dsl;
using Cora.Cluster.Dashboard;
using Cora.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;

namespace Cora.Cluster.Hosting;

/// <summary>
/// A node's management endpoint for Cluster Bootstrap (<see cref="ClusterFormation"/>), on
/// <c>akka.management.http</c>'s address: <c>GET /bootstrap/seed-nodes</c> says which cluster this
/// node is in, as Akka.Management's own route does (HttpClusterBootstrapRoutes): the reachable
/// members that are joining or up, or none while this node is not in a cluster or leaving it, in
/// Akka.Management's own types and serializer (<see cref="HttpBootstrapJsonProtocol"/>, Newtonsoft),
/// so other nodes' bootstrap reads it as it reads Akka's. Nothing else is served.
/// </summary>
/// <remarks>
/// Why not Akka.Management's own server (<c>AkkaManagement.Start()</c>): Akka.Http.Shim 1.5.73 binds
/// through <c>Ceen.Httpd.HttpServer.ListenAsync(IPEndPoint, bool, ServerConfig, CancellationToken)</c>
/// of Ceen.Httpd 0.9.9, which 0.9.10 — the only version the package source serves — no longer has:
/// binding fails with a MissingMethodException. Kestrel is in the node already (the web endpoint).
/// Akka.Management's documented way of serving its routes from another server,
/// <c>AkkaManagement.Routes()</c>, is what tells Cluster Bootstrap this node's own contact point.
/// </remarks>
internal sealed class ManagementEndpoint(WebApplication app)
{
    private const string SeedNodesPath = "/bootstrap/seed-nodes";

    /// <summary>Serves the route on <paramref name="system"/>'s management address and registers it
    /// with Cluster Bootstrap; stops with the actor system (before it leaves the cluster, as
    /// Akka.Management's server does).</summary>
    public static ManagementEndpoint Start(ActorSystem system)
    {
        var management = AkkaManagement.Get(system);
        var http = management.Settings.Http;
        if (!string.IsNullOrEmpty(http.BasePath))
            throw new InvalidInputException($"akka.management.http.base-path: not supported (got \"{http.BasePath}\"); Cora serves {SeedNodesPath} at the root");
        var maxSeedNodes = ClusterBootstrapSettings.Create(system.Settings.Config, system.Log).ContactPoint.MaxSeedNodesToExpose;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders().AddProvider(new AkkaLoggerProvider(system.Log)).SetMinimumLevel(LogLevel.Warning);
        var host = http.EffectiveBindHostname.Contains(':', StringComparison.Ordinal) ? $"[{http.EffectiveBindHostname}]" : http.EffectiveBindHostname;
        builder.WebHost.UseUrls($"http://{host}:{http.EffectiveBindPort}");
        var app = builder.Build();
        var cluster = Akka.Cluster.Cluster.Get(system);
        app.MapGet(SeedNodesPath, () => Results.Content(SeedNodes(cluster, maxSeedNodes), "application/json"));
        try
        {
            app.StartAsync().GetAwaiter().GetResult();
        }
        catch (IOException e)
        {
            app.DisposeAsync().AsTask().GetAwaiter().GetResult();
            throw new InvalidInputException($"akka.management.http: cannot listen on {http.EffectiveBindHostname}:{http.EffectiveBindPort} " +
                $"(bind-hostname/bind-port, else hostname/port): {e.Message}");
        }
        var endpoint = new ManagementEndpoint(app);
        CoordinatedShutdown.Get(system).AddTask(CoordinatedShutdown.PhaseBeforeClusterShutdown, "cora-management-endpoint", async () =>
        {
            await endpoint.StopAsync().ConfigureAwait(false);
            return Akka.Done.Instance;
        });
        // Not served by it; this is how Cluster Bootstrap learns this node's own contact point
        // (akka.management.http.hostname and port), which it needs to tell whether it is the lowest.
        management.Routes();
        return endpoint;
    }

    private async Task StopAsync()
    {
        await app.StopAsync().ConfigureAwait(false);
        await app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>What Akka.Management's route answers (Akka's <c>Shuffle</c> spreads joining nodes
    /// over the seeds it names).</summary>
    private static string SeedNodes(Akka.Cluster.Cluster cluster, int max)
    {
        var self = cluster.SelfMember;
        if (self.Status is MemberStatus.Leaving or MemberStatus.Exiting or MemberStatus.Down or MemberStatus.Removed)
            return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, []));
        var state = cluster.State;
        var members = state.Members
            .Where(m => !state.Unreachable.Contains(m) && m.Status is MemberStatus.Joining or MemberStatus.Up or MemberStatus.WeaklyUp)
            .Take(max)
            .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
            .ToArray();
        Random.Shared.Shuffle(members);
        return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, [.. members]));
    }
}
