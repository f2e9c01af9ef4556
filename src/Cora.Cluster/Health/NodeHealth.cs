using System.Data.Common;
using System.Globalization;
using Akka.Actor;
using Akka.Cluster;
using Cora.Actors.Persistence;
using Cora.Cluster.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Cora.Cluster.Health;

/// <summary>
/// A node's health checks, as ASP.NET Core health checks that the node's web endpoint serves
/// (<see cref="HealthEndpoints"/>):
/// <list type="bullet">
/// <item><c>/healthz</c> (liveness), <c>actor-system</c>: the node's actor system runs. Nothing
/// more: a liveness probe that failed with the database would have Kubernetes restart every
/// coordinator during a database outage, which would only make it worse.</item>
/// <item><c>/readyz</c> (readiness): <c>member</c>, this node is an Up member of its cluster;
/// <c>journal</c>, on coordinator nodes only, the journal's database answers a query
/// (<see cref="JournalProbe"/>); <c>coordinator-singleton</c>, the coordinator singleton answers
/// through this node's proxy (<see cref="SupervisorPing"/>), so work and console commands reach it.</item>
/// </list>
/// Each check runs at most once per <c>cora.health.cache-for</c> (<see cref="CachedHealthCheck"/>).
/// </summary>
public sealed class NodeHealth(IReadOnlyList<NodeHealth.Check> checks, TimeSpan cacheFor)
{
    /// <summary>Tag of the liveness checks (/healthz).</summary>
    public const string Live = "live";
    /// <summary>Tag of the readiness checks (/readyz).</summary>
    public const string Ready = "ready";

    public const string ActorSystemCheck = "actor-system";
    public const string MemberCheck = "member";
    public const string JournalCheck = "journal";
    public const string SingletonCheck = "coordinator-singleton";

    /// <param name="Tag"><see cref="Live"/> or <see cref="Ready"/>.</param>
    /// <param name="Run">Bounded by its own deadline; a failure is an Unhealthy result whose
    /// description is a short reason that anyone may read.</param>
    public sealed record Check(string Name, string Tag, Func<Task<HealthCheckResult>> Run);

    public IReadOnlyList<Check> Checks => checks;

    /// <summary>The checks of <paramref name="node"/>: the journal's only where it has the coordinator role.</summary>
    public static NodeHealth For(ClusterNode node, HealthSettings settings)
    {
        var cluster = Akka.Cluster.Cluster.Get(node.System);
        var list = new List<Check>
        {
            new(ActorSystemCheck, Live, () => Task.FromResult(node.System.WhenTerminated.IsCompleted
                ? HealthCheckResult.Unhealthy("the actor system has stopped")
                : HealthCheckResult.Healthy())),
            new(MemberCheck, Ready, () => Task.FromResult(Member(cluster.SelfMember.Status))),
        };
        if (cluster.SelfRoles.Contains(ClusterNode.CoordinatorRole))
        {
            var journal = node.Config.GetString("cora.journal");
            list.Add(new(JournalCheck, Ready, () => Journal(journal, settings.JournalTimeout)));
        }
        list.Add(new(SingletonCheck, Ready, () => Singleton(node.Coordinator, settings.SingletonTimeout)));
        return new NodeHealth(list, settings.CacheFor);
    }

    /// <summary>Adds the checks to a web host's health check service, each behind its cache.</summary>
    internal void Register(IHealthChecksBuilder builder, ILogger log)
    {
        foreach (var check in checks)
        {
            var cached = new CachedHealthCheck(check.Name, check.Run, cacheFor, log);
            builder.Add(new HealthCheckRegistration(check.Name, _ => cached, HealthStatus.Unhealthy, [check.Tag]));
        }
    }

    private static HealthCheckResult Member(MemberStatus status) => status switch
    {
        MemberStatus.Up => HealthCheckResult.Healthy(),
        MemberStatus.Joining or MemberStatus.WeaklyUp => HealthCheckResult.Unhealthy("joining the cluster"),
        MemberStatus.Leaving or MemberStatus.Exiting => HealthCheckResult.Unhealthy("leaving the cluster"),
        MemberStatus.Down => HealthCheckResult.Unhealthy("downed by the cluster"),
        // Also what a node that has not joined yet reports about itself.
        _ => HealthCheckResult.Unhealthy("not a member of a cluster"),
    };

    private static async Task<HealthCheckResult> Journal(string target, TimeSpan timeout)
    {
        try
        {
            await JournalProbe.CheckAsync(target, timeout, CancellationToken.None).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (Exception e) when (e is DbException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy(JournalProbe.Reason(e), e);
        }
    }

    private static async Task<HealthCheckResult> Singleton(IActorRef proxy, TimeSpan timeout)
    {
        try
        {
            await proxy.Ask<SupervisorPong>(SupervisorPing.Instance, timeout).ConfigureAwait(false);
            return HealthCheckResult.Healthy();
        }
        catch (AskTimeoutException)
        {
            return HealthCheckResult.Unhealthy(
                $"no answer within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (no coordinator node up yet, or the singleton is moving)");
        }
    }
}
