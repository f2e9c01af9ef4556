using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Training;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora sweep start GRID</c>: reads and plans the grid here (so a bad grid is rejected at once,
/// with its path), then uploads the plan in parts to the cluster's plan store and starts the sweep
/// from it (a plan of any size: no message grows with it). The grid's paths must name
/// the shared storage the nodes see. Prints the sweep id (<c>{"sweep_id"}</c> with --json).
/// </summary>
public static class SweepStartCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var grid = new Argument<string>("GRID") { Description = "Grid spec (HOCON)" };
        var command = new Command("start", "Plan a grid and submit it to the cluster") { grid };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var spec = GridReader.CheckFiles(GridReader.Read(parse.GetValue(grid)!));
            // Hashes of big checkpoints are remembered per user, so resubmitting is quick.
            var hashes = new ContentHashes(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "cora", "content-hashes.tsv"));
            var plan = SweepPlanner.Plan(spec, hashes);
            hashes.Save();
            await using var client = options.Connect(parse);
            var progress = ConsoleProgress.ForStderr(parse.InvocationConfiguration.Error);
            var accepted = await client.SubmitPlan(plan, new SyncProgress<(int Sent, int Parts)>(p =>
                progress.Report("sweep start", $"plan part {p.Sent}/{p.Parts} sent ({plan.Trials.Count} trials)")), cancellation);
            progress.Done();
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json))
            {
                CliJson.Write(output, new { sweep_id = accepted.SweepId });
            }
            else
            {
                output.WriteLine(accepted.SweepId);
                parse.InvocationConfiguration.Error.WriteLine(accepted.New
                    ? $"sweep {accepted.SweepId} ({plan.Name}) submitted: {plan.Trials.Count} trials"
                    : $"sweep {accepted.SweepId} was known: {accepted.Counts.Succeeded} succeeded, {accepted.Counts.Failed} failed");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
