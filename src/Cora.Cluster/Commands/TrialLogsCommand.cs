using System.CommandLine;
using Cora.Actors.Control;

namespace Cora.Cluster.Commands;

/// <summary><c>cora trial logs ID [--attempt N]</c>: the end of the attempt's training log
/// (default: the latest attempt), read from the artifact store by a coordinator node.</summary>
public static class TrialLogsCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var id = new Argument<string>("ID") { Description = "Trial id" };
        var attempt = new Option<int?>("--attempt") { Description = "Which attempt (default: the latest)" };
        var command = new Command("logs", "The end of a trial attempt's log") { id, attempt };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var log = await client.Ask<TrialLog>(new ConsoleCommand.TrialLogs(parse.GetValue(id)!, parse.GetValue(attempt)), cancellation);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json)) CliJson.Write(output, log);
            else output.WriteLine(log.Text);
            return ExitCodes.Ok;
        });
        return command;
    }
}
