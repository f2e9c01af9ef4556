using System.CommandLine;
using Akka.Actor;
using Cora.Actors.Logging;
using Cora.Cluster.Dashboard;
using Cora.Cluster.Health;
using Cora.Cluster.Hosting;
using TorchSharp;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora node --config FILE [--role R …] [--hostname H] [--port P] (--seed host:port … | --single-node | --discovery METHOD)
/// [--db CONNECTION] [--artifacts DIR] [--slots N] [--http-port P] [--certs-dir DIR | --insecure]</c>:
/// joins (or, as the first seed or through Cluster Bootstrap, founds) a cluster and runs until
/// stopped, serving its health checks (and on coordinator nodes the dashboard) on
/// <c>--http-port</c>, talking mutual TLS with
/// the certificates of <c>cora cert</c> (<c>--insecure</c>: plain TCP, loopback only). Ctrl+C, SIGTERM
/// or <c>cora cluster leave</c> leave the cluster gracefully (exit 0); a node that the cluster
/// downed exits 1, so a supervisor restarts it as a fresh member.
/// </summary>
public static class NodeCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "Node HOCON (e.g. hocon/node.conf)" };
        var roles = new Option<string[]>("--role") { Description = "coordinator, trainer, evaluator (repeatable; default from the config)", AllowMultipleArgumentsPerToken = true };
        roles.AcceptOnlyFromAmong([.. ClusterNode.Roles]);
        var hostname = new Option<string?>("--hostname") { Description = $"Address other nodes reach this one at (default {NodeConfig.Shipped.GetString(NodeConfig.HostnameKey)})" };
        var port = new Option<int?>("--port") { Description = $"Akka.Remote port (default {NodeConfig.DefaultPort})" };
        var seeds = new Option<string[]>("--seed") { Description = "Seed node host:port, repeated for each coordinator node: the same list on every node", AllowMultipleArgumentsPerToken = true };
        var singleNode = new Option<bool>("--single-node") { Description = "No seeds: this node founds a cluster of its own (one machine, development)" };
        var discovery = new Option<string?>("--discovery") { Description = "No seeds: find the cluster through Cluster Bootstrap (kubernetes: the coordinator pods; cora.discovery.method)" };
        discovery.AcceptOnlyFromAmong([.. ClusterFormation.Methods]);
        var db = new Option<string?>("--db") { Description = "Journal: SQLite file or PostgreSQL connection string (env CORA_DB)" };
        var artifacts = new Option<string?>("--artifacts") { Description = "Artifact store, shared by all nodes" };
        var slots = new Option<int?>("--slots") { Description = "Trial slots (default: one per GPU, or 1)" };
        var httpPort = new Option<int?>("--http-port") { Description = "Serve /healthz, /readyz and (coordinator nodes) the dashboard and /metrics on this port (cora.http; loopback unless configured)" };
        var certsDir = new Option<string?>("--certs-dir") { Description = "Certificates from `cora cert` (ca.crt, node.pfx; cora.tls.certs-dir, env CORA_CERTS_DIR)" };
        var insecure = new Option<bool>("--insecure") { Description = "Plain TCP instead of mutual TLS; loopback only" };
        var command = new Command("node", "Run a cluster node until stopped.\n\nEnvironment (over --config, under the options):\n" + CoraEnvironment.Describe()) { config, roles, hostname, port, seeds, singleNode, discovery, db, artifacts, slots, httpPort, certsDir, insecure };
        command.SetAction(async (parse, cancellation) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var nodeConfig = NodeConfig.Build(parse.GetValue(config), parse.GetValue(roles) ?? [], parse.GetValue(hostname), parse.GetValue(port),
                parse.GetValue(seeds) ?? [], parse.GetValue(db), parse.GetValue(artifacts), parse.GetValue(slots), parse.GetValue(httpPort),
                parse.GetValue(singleNode), parse.GetValue(insecure), parse.GetValue(certsDir), parse.GetValue(discovery));
            var full = nodeConfig.WithFallback(Cora.Actors.CoraConfig.Reference);
            var error = NodeLog(stderr, full.GetString("cora.logging.format", "text") == "json");
            var gpus = torch.cuda.is_available() ? torch.cuda.device_count() : 0;
            var dashboardSettings = DashboardSettings.Create(full);
            var healthSettings = HealthSettings.Create(full);
            await using var node = ClusterNode.Start(nodeConfig, gpus);
            await using var web = dashboardSettings.Port > 0 ? await DashboardServer.StartAsync(node, dashboardSettings, healthSettings) : null;
            if (web is not null)
                error.WriteLine($"cora node: {(web.Dashboard ? "dashboard, /metrics and " : "")}health checks ({HealthEndpoints.LivePath}, {HealthEndpoints.ReadyPath}) at {web.Address}");
            var cluster = Akka.Cluster.Cluster.Get(node.System);
            error.WriteLine($"cora node {cluster.SelfAddress} roles [{string.Join(", ", cluster.SelfRoles)}], {gpus} GPU(s); " + (parse.GetValue(singleNode)
                ? "--single-node: founding a cluster of its own (no other node should join it: restarted, it founds a new one)"
                : ClusterFormation.Describe(node.Config)));
            cluster.RegisterOnMemberUp(() => error.WriteLine($"cora node {cluster.SelfAddress} is up"));
            var stopped = node.System.WhenTerminated;
            try
            {
                await stopped.WaitAsync(cancellation);
                // Asked to leave (cora cluster leave): a clean exit. Downed (unreachable, or
                // cora cluster down): exit 1 so a supervisor starts it again as a new member.
                if (CoordinatedShutdown.Get(node.System).ShutdownReason is CoordinatedShutdown.ClusterLeavingReason)
                {
                    error.WriteLine("cora node: left the cluster");
                    return ExitCodes.Ok;
                }
                error.WriteLine("cora node: the cluster removed this node; exiting");
                return ExitCodes.Failure;
            }
            catch (OperationCanceledException)
            {
                error.WriteLine("cora node: leaving the cluster");
                await CoordinatedShutdown.Get(node.System).Run(CoordinatedShutdown.ClrExitReason.Instance);
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    /// <summary>The node's own lines on stderr: as they are, or with <c>cora.logging.format = json</c>
    /// in the shape of the node's JSON log lines (Logging/StderrLogger).</summary>
    private static TextWriter NodeLog(TextWriter stderr, bool json) => json ? new JsonLineWriter(stderr) : stderr;

    private sealed class JsonLineWriter(TextWriter inner) : TextWriter
    {
        public override System.Text.Encoding Encoding => inner.Encoding;

        public override void WriteLine(string? value) =>
            inner.WriteLine(StderrLogger.JsonLine(DateTimeOffset.UtcNow, "info", "cora.node", Environment.CurrentManagedThreadId, value));

        public override void Write(char value) => inner.Write(value);
    }
}
