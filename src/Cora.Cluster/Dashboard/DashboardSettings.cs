using Akka.Configuration;
using Cora.Cluster.Hosting;
using Cora.Training;

namespace Cora.Cluster.Dashboard;

/// <summary>HOCON <c>cora.http</c> (documented in Cora.Actors' reference.conf), checked.</summary>
/// <param name="Port">0: no web endpoint.</param>
/// <param name="Token">The console token; required on every request unless bound to loopback
/// (the health checks excepted).</param>
/// <param name="Dashboard">Whether the endpoint serves the dashboard and /metrics besides the
/// health checks (<c>cora.http.dashboard</c>, resolved against the node's roles).</param>
public sealed record DashboardSettings(int Port, string Hostname, TimeSpan Refresh, string Token, bool Dashboard = true)
{
    /// <summary>Bound to a loopback interface only: whoever reaches it is on this machine, so no
    /// token is asked for (the same trust as the node's own files).</summary>
    public bool Loopback => Hosting.Loopback.Is(Hostname);

    public static DashboardSettings Create(Config config)
    {
        var port = config.GetInt("cora.http.port", 0);
        if (port is < 0 or > 65535) throw new InvalidInputException($"cora.http.port: expected 0 (off) or a TCP port (got {port})");
        var hostname = config.GetString("cora.http.hostname", "127.0.0.1");
        if (string.IsNullOrWhiteSpace(hostname)) throw new InvalidInputException("cora.http.hostname: must not be empty");
        var refresh = config.GetTimeSpan("cora.http.refresh", TimeSpan.FromSeconds(1));
        if (refresh <= TimeSpan.Zero) throw new InvalidInputException($"cora.http.refresh: must be positive (got {refresh})");
        var dashboard = config.GetString("cora.http.dashboard", "auto") switch
        {
            "auto" => config.GetStringList("akka.cluster.roles", []).Contains(ClusterNode.CoordinatorRole),
            "on" or "true" or "yes" => true,
            "off" or "false" or "no" => false,
            var other => throw new InvalidInputException($"cora.http.dashboard: expected auto, on or off (got \"{other}\")"),
        };
        var settings = new DashboardSettings(port, hostname, refresh, config.GetString("cora.console.token", ""), dashboard);
        if (port > 0 && dashboard && !settings.Loopback && string.IsNullOrEmpty(settings.Token))
            throw new InvalidInputException($"cora.http.hostname: {hostname} is not loopback, so the dashboard needs the console token (set CORA_TOKEN)");
        return settings;
    }
}
