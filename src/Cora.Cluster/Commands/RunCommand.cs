using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using Akka.Actor;
using Akka.Configuration;
using Cora.Actors;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Cluster.Dashboard;
using Cora.Cluster.Health;
using Cora.Cluster.Hosting;
using Cora.Cluster.Reports;
using Cora.Training;
using Cora.Training.Zoo;
using TorchSharp;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora run GRID [--db PATH] [--artifacts DIR] [--parallel N] [--port P] [--http-port P]</c>:
/// plans the grid, starts a one-node cluster (coordinator and trainer roles, SQLite journal,
/// plain TCP on 127.0.0.1) through the same <see cref="ClusterNode"/> that <c>cora node</c>
/// starts, submits the sweep, shows live progress, and ends with the results table plus
/// results.json / results.csv in the artifacts folder. While it runs, a console can attach at
/// the contact it prints (and a browser at <c>--http-port</c>). Killing it at any moment loses
/// nothing: the same command continues from the journal, and finished trials (known by content
/// id) are not run again.
/// </summary>
public static class RunCommand
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var grid = new Argument<string>("GRID") { Description = "Grid spec (HOCON), e.g. hocon/grids/smoke.conf" };
        var db = new Option<string?>("--db") { Description = "Journal: SQLite file (default ARTIFACTS/cora.db) or PostgreSQL connection string" };
        var artifacts = new Option<string>("--artifacts") { Description = "Artifact store: bases, adapters, predictions, results", DefaultValueFactory = _ => CoraConfig.Reference.GetString("cora.artifacts.path") };
        var parallel = new Option<int>("--parallel") { Description = "Trials at once (trainer slots on this node)", DefaultValueFactory = _ => 1 };
        var port = new Option<int?>("--port") { Description = "The node's Akka.Remote port on 127.0.0.1, a console's --contact (default: a free one)" };
        var httpPort = new Option<int?>("--http-port") { Description = "Serve the dashboard, /metrics, /healthz and /readyz on this port of 127.0.0.1" };
        parallel.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--parallel must be at least 1");
        });
        var command = new Command("run", "Run a grid on an embedded single-node cluster; rerun the same command to continue after a crash")
        {
            grid, db, artifacts, parallel, port, httpPort,
        };
        command.SetAction((parse, cancellation) => Run(parse.GetValue(grid)!, parse.GetValue(db), parse.GetValue(artifacts)!, parse.GetValue(parallel),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellation, parse.GetValue(port), parse.GetValue(httpPort)));
        return command;
    }

    public static async Task<int> Run(string gridFile, string? db, string artifacts, int parallel, TextWriter output, TextWriter error,
        CancellationToken cancellation, int? port = null, int? httpPort = null)
    {
        var spec = GridReader.Read(gridFile);
        EnsureZoo(spec, error, cancellation);
        GridReader.CheckFiles(spec);
        artifacts = Path.GetFullPath(artifacts);
        Directory.CreateDirectory(artifacts);
        var hashes = new ContentHashes(Path.Combine(artifacts, "content-hashes.tsv"));
        var plan = SweepPlanner.Plan(spec, hashes);
        hashes.Save();
        var journal = db ?? Path.Combine(artifacts, "cora.db");
        error.WriteLine($"grid {spec.Name}: {plan.Trials.Count} trials (sweep {plan.SweepId}); journal {journal}; artifacts {artifacts}");

        await using var node = await StartNode(journal, artifacts, parallel, port, httpPort, error);
        var accepted = await node.Coordinator.Ask<SweepAccepted>(new SubmitSweep(plan), TimeSpan.FromMinutes(1), cancellation);
        if (!accepted.New)
            error.WriteLine($"sweep {plan.SweepId} is known: {accepted.Counts.Succeeded} succeeded, {accepted.Counts.Failed} failed; continuing");

        var console = ConsoleProgress.ForStderr(error);
        var clock = Stopwatch.StartNew();
        var finishedAtStart = accepted.Counts.Finished;
        SweepStatus status;
        try
        {
            while (true)
            {
                status = await node.Coordinator.Ask<SweepStatus>(new GetSweepStatus(plan.SweepId), TimeSpan.FromSeconds(30), cancellation);
                console.Report("sweep", Describe(status, clock.Elapsed, finishedAtStart), final: status.State != "running");
                if (status.State != "running") break;
                await Task.Delay(Refresh, cancellation);
            }
        }
        catch (OperationCanceledException)
        {
            console.Done();
            error.WriteLine($"cora: interrupted; finished trials are journaled in {journal}. Run the same command again to continue.");
            return ExitCodes.Interrupted;
        }
        console.Done();

        var results = await node.Coordinator.Ask<SweepResults>(new GetSweepResults(plan.SweepId), TimeSpan.FromSeconds(30), CancellationToken.None);
        ResultsTable.Write(artifacts, results.Rows);
        var data = new SweepData(results.SweepId, spec.Name, [.. results.Rows.Select(r => ReportTrial.Load(r, error))]);
        output.Write(ResultsTable.Format(results.Rows, data));
        output.WriteLine($"{status.Counts.Succeeded} of {status.Counts.Total} trials succeeded, {status.Counts.Failed} failed; results.json and results.csv in {artifacts}");
        foreach (var failure in results.Rows.Where(r => r.Status == "failed"))
            error.WriteLine($"  failed {failure.TrialId} ({failure.Method} r={failure.Rank}) after {failure.Attempts} attempt(s): {failure.Failure}");
        return status.State == "completed" ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>The one-node cluster: <c>cora node --single-node --insecure --role coordinator
    /// --role trainer</c> on 127.0.0.1, quieter, and with running attempts requeued at once when it
    /// starts again (its trainers died with it). Prints where a console and a browser reach it.</summary>
    private static async Task<RunningNode> StartNode(string journal, string artifacts, int parallel, int? port, int? httpPort, TextWriter error)
    {
        var remotePort = port ?? FreePort();
        var given = CoraEnvironment.Get(CoraEnvironment.Token);
        var token = given ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var config = ConfigurationFactory.ParseString($"""
            akka.loglevel = WARNING
            # The node is its singletons' only host: their proxies would warn, while it starts and
            # as it stops, that they were not found yet or any more.
            akka.cluster.singleton-proxy.log-singleton-identification-failure = off
            cora.coordinator.lease-after-restart = 0s
            cora.console.token = {JsonSerializer.Serialize(token)}
            """).WithFallback(NodeConfig.Build(null, [ClusterNode.CoordinatorRole, ClusterNode.TrainerRole], Loopback.Address, remotePort, [], journal,
                artifacts, parallel, httpPort, singleNode: true, insecure: true));
        var gpus = torch.cuda.is_available() ? torch.cuda.device_count() : 0;
        var node = ClusterNode.Start(config, gpus);
        var contact = $"{Loopback.Address}:{remotePort.ToString(CultureInfo.InvariantCulture)}";
        error.WriteLine($"one-node cluster at {contact}: attach a console with --contact {contact} --insecure" +
                        (given is not null ? " (CORA_TOKEN as set)" : $" and CORA_TOKEN={token}"));
        DashboardServer? web = null;
        if (httpPort is not null)
        {
            var full = config.WithFallback(CoraConfig.Reference);
            web = await DashboardServer.StartAsync(node, DashboardSettings.Create(full), HealthSettings.Create(full));
            error.WriteLine($"dashboard, /metrics and health checks at {web.Address}");
        }
        return new RunningNode(node, web);
    }

    /// <summary>A free TCP port on 127.0.0.1 (free when asked; taken by the node a moment later).</summary>
    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The node and its web endpoint; disposing stops both (the node leaves its cluster,
    /// its trainers kill their trial processes).</summary>
    private sealed class RunningNode(ClusterNode node, DashboardServer? web) : IAsyncDisposable
    {
        public IActorRef Coordinator => node.Coordinator;

        public async ValueTask DisposeAsync()
        {
            if (web is not null) await web.DisposeAsync();
            await node.DisposeAsync();
        }
    }

    /// <summary>Makes the grid's zoo on first use when the grid names a preset for it.</summary>
    private static void EnsureZoo(GridSpec spec, TextWriter error, CancellationToken cancellation)
    {
        if (spec.Zoo is null || spec.ZooPreset is null || File.Exists(Path.Combine(spec.Zoo, ZooManifest.FileName))) return;
        error.WriteLine($"zoo {spec.Zoo} is missing; making the {spec.ZooPreset} zoo there first");
        var progress = ConsoleProgress.ForStderr(error);
        ZooMaker.Make(new ZooOptions(spec.Zoo, spec.ZooPreset, spec.ZooSources), new SyncProgress<ZooProgress>(p => progress.Report(
            $"zoo [{p.StageIndex}/{p.StageCount}] {p.Stage}", p.Training is { } t ? $"step {t.Step}/{t.TotalSteps} loss {t.Loss:F3}" : null)), cancellation);
        progress.Done();
    }

    private static string Describe(SweepStatus s, TimeSpan elapsed, int finishedAtStart)
    {
        const int width = 20;
        var c = s.Counts;
        var filled = c.Total == 0 ? width : (int)Math.Round(width * (double)c.Finished / c.Total);
        var bar = new string('#', filled) + new string('.', width - filled);
        var doneHere = c.Finished - finishedAtStart;
        var eta = doneHere > 0 && c.Finished < c.Total
            ? $" ETA {TimeSpan.FromSeconds(elapsed.TotalSeconds / doneHere * (c.Total - c.Finished)):h\\:mm\\:ss}"
            : "";
        var current = s.Running.Count > 0 && s.Running[0] is { } r
            ? $" | {r.Method} r={r.Rank}: {r.Stage}{(r.Step is { } step ? $" {step}/{r.TotalSteps}" : "")}{(r.Loss is { } loss ? $" loss {loss:F4}" : "")}"
            : "";
        return $"[{bar}] {c.Succeeded} done, {c.Running} running, {c.Failed} failed of {c.Total}{eta}{current}";
    }
}
