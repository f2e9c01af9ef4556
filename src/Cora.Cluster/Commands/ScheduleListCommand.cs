using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Scheduling;

namespace Cora.Cluster.Commands;

/// <summary><c>cora schedule list</c>: every schedule with its cron, zone and grid, its next slot
/// (in its zone and in UTC) and how its last slot went (fired → sweep id, or skipped → why).</summary>
public static class ScheduleListCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var command = new Command("list", "Schedules, their next slot and their last outcome");
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var list = await ScheduleConsole.Ask<ScheduleList>(client, new ConsoleCommand.ScheduleList(), cancellation);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json)) CliJson.Write(output, list);
            else foreach (var s in list.Schedules) output.WriteLine(ScheduleConsole.Describe(s));
            return ExitCodes.Ok;
        });
        return command;
    }
}
