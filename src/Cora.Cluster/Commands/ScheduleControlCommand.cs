using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Scheduling;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora schedule remove NAME</c> (no slot fires after the answer) and <c>cora schedule
/// run-now NAME</c>: a manual firing, under the same rule as a cron slot — skipped, and said so,
/// while the schedule's previous sweep still runs — that leaves the next cron slot in place.
/// run-now prints the outcome: the sweep id it submitted, or why it skipped.
/// </summary>
public static class ScheduleControlCommand
{
    public static Command Remove() => Create("remove", "Remove a schedule", name => new ConsoleCommand.ScheduleRemove(name));

    public static Command RunNow() => Create("run-now", "Fire a schedule now (skipped while its previous sweep runs)", name => new ConsoleCommand.ScheduleRunNow(name));

    private static Command Create(string verb, string description, Func<string, ConsoleCommand> kind)
    {
        var options = new ConsoleOptions();
        var name = new Argument<string>("NAME") { Description = "Schedule name" };
        var command = new Command(verb, description) { name };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var request = kind(parse.GetValue(name)!);
            var output = parse.InvocationConfiguration.Output;
            var json = parse.GetValue(options.Json);
            if (request is ConsoleCommand.ScheduleRemove)
            {
                var removed = await ScheduleConsole.Ask<ScheduleView>(client, request, cancellation);
                if (json) CliJson.Write(output, removed);
                else output.WriteLine($"schedule {removed.Name} removed");
                return ExitCodes.Ok;
            }
            var outcome = await ScheduleConsole.Ask<SlotOutcome>(client, request, cancellation);
            if (json) CliJson.Write(output, outcome);
            else output.WriteLine($"schedule {outcome.Name}: {ScheduleConsole.Describe(outcome)}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
