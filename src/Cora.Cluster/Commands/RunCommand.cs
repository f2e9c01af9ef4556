using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Cluster.Hosting;
using Cora.Cluster.Reports;
using Cora.Training;
using Cora.Training.Zoo;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora run GRID [--db PATH] [--artifacts DIR] [--parallel N]</c>: plans the grid, starts an
/// embedded single-node cluster on a SQLite journal, submits the sweep, shows live progress, and
/// ends with the results table plus results.json / results.csv in the artifacts folder. Killing it
/// at any moment loses nothing: the same command continues from the journal, and finished trials
/// (known by content id) are not run again.
/// </summary>
public static class RunCommand
{
    private static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(500);

    public static Command Create()
    {
        var grid = new Argument<string>("GRID") { Description = "Grid spec (HOCON), e.g. hocon/grids/smoke.conf" };
        var db = new Option<string?>("--db") { Description = "Journal: SQLite file (default ARTIFACTS/cora.db) or PostgreSQL connection string" };
        var artifacts = new Option<string>("--artifacts") { Description = "Artifact store: bases, adapters, predictions, results", DefaultValueFactory = _ => "artifacts" };
        var parallel = new Option<int>("--parallel") { Description = "Trials at once (trainer slots on this node)", DefaultValueFactory = _ => 1 };
        parallel.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError("--parallel must be at least 1");
        });
        var command = new Command("run", "Run a grid on an embedded single-node cluster; rerun the same command to continue after a crash")
        {
            grid, db, artifacts, parallel,
        };
        command.SetAction((parse, cancellation) => Run(parse.GetValue(grid)!, parse.GetValue(db), parse.GetValue(artifacts)!, parse.GetValue(parallel),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellation));
        return command;
    }

    public static async Task<int> Run(string gridFile, string? db, string artifacts, int parallel, TextWriter output, TextWriter error,
        CancellationToken cancellation)
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

        var overrides = ConfigurationFactory.ParseString(
            $"cora.trainer.slots = {parallel.ToString(CultureInfo.InvariantCulture)}\ncora.artifacts.path = {System.Text.Json.JsonSerializer.Serialize(artifacts)}");
        await using var node = CoraNode.StartEmbedded(journal, overrides);
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
