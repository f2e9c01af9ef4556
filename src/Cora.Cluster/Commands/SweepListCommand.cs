using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Coordinator;

namespace Cora.Cluster.Commands;

/// <summary><c>cora sweep list</c>: every sweep the coordinator knows, oldest first.</summary>
public static class SweepListCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var command = new Command("list", "Sweeps and their progress");
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var list = await client.Ask<SweepList>(new ConsoleCommand.SweepList(), cancellation);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json))
            {
                CliJson.Write(output, list);
                return ExitCodes.Ok;
            }
            foreach (var s in list.Sweeps)
                output.WriteLine($"{s.SweepId}  {s.Name,-12} {s.State,-9} {s.Counts.Succeeded}/{s.Counts.Total} done, {s.Counts.Running} running, {s.Counts.Failed} failed");
            return ExitCodes.Ok;
        });
        return command;
    }
}
