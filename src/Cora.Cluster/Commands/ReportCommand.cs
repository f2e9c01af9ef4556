using System.CommandLine;
using Cora.Actors.Coordinator;
using Cora.Cluster.Reports;
using Cora.Training;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora report SWEEP|latest (--db PATH | --contact host:port) [--out DIR] [--baseline SWEEP]</c>:
/// the paper's tables (Markdown + CSV) with seed intervals and bootstrap verdicts against LoRA,
/// plots (PNG + SVG), what changed since a baseline sweep, and an index.html tying them together.
/// With <c>--db</c> the journal is only read (no coordinator starts). Default output:
/// <c>ARTIFACTS/reports/SWEEP</c> when the trials' directories show the artifact store, else
/// <c>./reports/SWEEP</c>. Stdout: the written files, index.html last; stderr: progress.
/// </summary>
public static class ReportCommand
{
    public const string Latest = "latest";

    public static Command Create()
    {
        var sweep = new Argument<string>("SWEEP") { Description = "Sweep id, or `latest` (the most recently submitted)" };
        var db = new Option<string?>("--db") { Description = "Read this journal (SQLite file or PostgreSQL connection string) instead of a running cluster" };
        var artifacts = new Option<string?>("--artifacts") { Description = "With --db: the artifact store holding the sweeps' plans (default: the SQLite journal's folder)" };
        var output = new Option<string?>("--out") { Description = "Report directory (default ARTIFACTS/reports/SWEEP, else ./reports/SWEEP)" };
        var baseline = new Option<string?>("--baseline") { Description = "Also write changes.md/csv: what changed since this sweep (id or `latest`)" };
        var console = new ConsoleOptions();
        var command = new Command("report", "Tables, plots and an index.html for a sweep, in the paper's layouts") { sweep, db, artifacts, output, baseline };
        console.AddConnectionTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            if (parse.GetValue(db) is not null && parse.GetValue(console.Contact) is { Length: > 0 })
                throw new InvalidInputException("give --db or --contact, not both");
            await using ISweepSource source = parse.GetValue(db) is { } path
                ? JournalSweepSource.Open(path, parse.GetValue(artifacts))
                : new ConsoleSweepSource(console.Connect(parse));
            return await Run(source, parse.GetValue(sweep)!, parse.GetValue(baseline), parse.GetValue(output),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellation);
        });
        return command;
    }

    public static async Task<int> Run(ISweepSource source, string sweep, string? baselineSweep, string? output, TextWriter stdout, TextWriter stderr,
        CancellationToken cancellation)
    {
        var list = await source.List(cancellation);
        var summary = Find(list, sweep);
        var results = await source.Results(summary.SweepId, cancellation);
        SweepResults? baseline = null;
        if (baselineSweep is not null) baseline = await source.Results(Find(list, baselineSweep).SweepId, cancellation);
        var directory = Path.GetFullPath(output ?? DefaultDirectory(results));
        stderr.WriteLine($"cora report: sweep {summary.SweepId} ({summary.Name}, {summary.State}): {results.Rows.Count} trials → {directory}");
        var files = ReportWriter.Write(results, summary.Name, baseline, directory, stderr);
        foreach (var file in files) stdout.WriteLine(file);
        return ExitCodes.Ok;
    }

    /// <exception cref="InvalidInputException">No such sweep (or none at all for `latest`); says how to list them.</exception>
    private static SweepSummary Find(SweepList list, string sweep)
    {
        if (sweep == Latest)
            return list.Sweeps.Count > 0 ? list.Sweeps[^1] : throw new InvalidInputException("no sweep has been submitted yet, so there is no `latest`");
        return list.Sweeps.FirstOrDefault(s => s.SweepId == sweep)
            ?? throw new InvalidInputException($"no sweep {sweep}: list the ids with `cora sweep list` (on a cluster) or name `latest`; known here: " +
                (list.Sweeps.Count == 0 ? "none" : string.Join(", ", list.Sweeps.TakeLast(5).Select(s => $"{s.SweepId} ({s.Name})"))));
    }

    /// <summary>ARTIFACTS/reports/SWEEP, where a succeeded trial's directory has the store's layout
    /// (ARTIFACTS/trials/ID/attempt-N); otherwise ./reports/SWEEP.</summary>
    public static string DefaultDirectory(SweepResults results)
    {
        foreach (var dir in results.Rows.Select(r => r.OutputDir).OfType<string>())
        {
            var trial = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(dir));
            var trials = trial is null ? null : Path.GetDirectoryName(trial);
            if (trials is not null && Path.GetFileName(trials) == "trials" && Path.GetDirectoryName(trials) is { } artifacts)
                return Path.Combine(artifacts, ReportWriter.StoreDirectory, results.SweepId);
        }
        return Path.Combine(ReportWriter.StoreDirectory, results.SweepId);
    }
}
