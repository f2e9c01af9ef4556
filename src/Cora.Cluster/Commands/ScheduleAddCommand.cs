using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Scheduling;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora schedule add NAME --cron "0 2 * * *" [--tz Europe/Paris] GRID</c>: a schedule that
/// submits GRID at every cron slot, read in the IANA zone (default UTC, the same on every node).
/// Name, cron and zone are checked here; the coordinator node checks the grid file, which must be
/// on storage the coordinator nodes see (its path is made absolute here).
/// </summary>
public static class ScheduleAddCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var name = new Argument<string>("NAME") { Description = "Schedule name (letters, digits, . _ -)" };
        var grid = new Argument<string>("GRID") { Description = "Grid spec (HOCON) on storage the coordinator nodes see" };
        var cron = new Option<string>("--cron") { Description = "Cron expression: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\"", Required = true };
        var zone = new Option<string>("--tz") { Description = "IANA time zone the cron expression is read in", DefaultValueFactory = _ => "UTC" };
        var command = new Command("add", "Submit a grid on a cron schedule") { name, grid, cron, zone };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            var request = new AddSchedule(CronSchedule.CheckName(parse.GetValue(name)!), parse.GetValue(cron)!, parse.GetValue(zone)!, Path.GetFullPath(parse.GetValue(grid)!));
            CronSchedule.Parse(request.Cron, request.TimeZone);
            await using var client = options.Connect(parse);
            var view = await ScheduleConsole.Ask<ScheduleView>(client, new ConsoleCommand.ScheduleAdd(request), cancellation);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json)) CliJson.Write(output, view);
            else output.WriteLine(ScheduleConsole.Describe(view));
            return ExitCodes.Ok;
        });
        return command;
    }
}
