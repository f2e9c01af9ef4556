using System.CommandLine;
using Cora.Actors.Control;

namespace Cora.Cluster.Commands;

/// <summary><c>cora cluster leave ADDR</c> (graceful: its trials are requeued as it goes) and
/// <c>cora cluster down ADDR</c> (for a node that is gone and will not come back), as in pbm.
/// ADDR is a member's address (<c>akka.tcp://cora@host:port</c>) or host:port.</summary>
public static class ClusterMemberCommand
{
    public static Command Leave() => Create("leave", address => new ConsoleCommand.ClusterLeave(address), "Ask a member to leave the cluster gracefully");

    public static Command Down() => Create("down", address => new ConsoleCommand.ClusterDown(address), "Mark an unreachable member down (it is removed; its trials are requeued)");

    private static Command Create(string name, Func<string, ConsoleCommand> kind, string description)
    {
        var options = new ConsoleOptions();
        var address = new Argument<string>("ADDR") { Description = "Member address or host:port" };
        var command = new Command(name, description) { address };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var done = await client.Ask<ConsoleDone>(kind(parse.GetValue(address)!), cancellation);
            if (parse.GetValue(options.Json)) CliJson.Write(parse.InvocationConfiguration.Output, done);
            else parse.InvocationConfiguration.Output.WriteLine(done.Message);
            return ExitCodes.Ok;
        });
        return command;
    }
}
