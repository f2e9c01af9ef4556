using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Coordinator;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora sweep cancel ID</c> (pending trials wait, running attempts are stopped and requeued;
/// trials another live sweep shares go on) and <c>cora sweep retry ID [--failed]</c> (resume a
/// cancelled sweep; with --failed its failed trials run again with a fresh attempt budget).
/// Both print the sweep's status afterwards.
/// </summary>
public static class SweepControlCommand
{
    public static Command Cancel() => Create("cancel", "Cancel a sweep (resume it with sweep retry)", failedOption: false);

    public static Command Retry() => Create("retry", "Resume a cancelled sweep; --failed also reruns its failed trials", failedOption: true);

    private static Command Create(string name, string description, bool failedOption)
    {
        var options = new ConsoleOptions();
        var id = new Argument<string>("ID") { Description = "Sweep id" };
        var failed = new Option<bool>("--failed") { Description = "Run the sweep's failed trials again" };
        var command = new Command(name, description) { id };
        if (failedOption) command.Options.Add(failed);
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            ConsoleCommand request = failedOption
                ? new ConsoleCommand.SweepRetry(parse.GetValue(id)!, parse.GetValue(failed))
                : new ConsoleCommand.SweepCancel(parse.GetValue(id)!);
            var status = await client.Ask<SweepStatus>(request, cancellation);
            if (status.State == "unknown") throw new Training.InvalidInputException($"no sweep {parse.GetValue(id)} (see `cora sweep list`)");
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json)) CliJson.Write(output, status);
            else output.WriteLine($"sweep {status.SweepId} ({status.Name}): {status.State}; {status.Counts.Succeeded} succeeded, {status.Counts.Running} running, {status.Counts.Pending} pending, {status.Counts.Failed} failed of {status.Counts.Total}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
