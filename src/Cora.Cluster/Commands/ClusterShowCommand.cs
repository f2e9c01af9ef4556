using System.CommandLine;
using Cora.Actors.Control;

namespace Cora.Cluster.Commands;

/// <summary><c>cora cluster show [--contact host:port] [--json]</c>: members, roles, status,
/// reachability and GPU slots busy/free, as pbm's <c>cluster show</c>; a quarantined slot is
/// listed under its node with the reason.</summary>
public static class ClusterShowCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var command = new Command("show", "Members of the cluster: roles, status, reachability, GPUs busy/total");
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var view = await client.Ask<ClusterView>(new ConsoleCommand.ClusterShow(), cancellation);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json))
            {
                CliJson.Write(output, view);
                return ExitCodes.Ok;
            }
            output.WriteLine($"{"address",-32} {"status",-8} {"reachable",-9} {"gpus",-9} roles");
            foreach (var m in view.Members)
            {
                var gpus = m.Gpus is { } g ? $"{g.Busy}/{g.Total} busy" : "?";
                output.WriteLine($"{m.Address,-32} {m.Status,-8} {(m.Reachable ? "yes" : "NO"),-9} {gpus,-9} {string.Join(",", m.Roles)}");
                foreach (var quarantined in m.Gpus?.Quarantined ?? []) output.WriteLine($"  QUARANTINED {quarantined}");
            }
            if (view.Note is { } note) parse.InvocationConfiguration.Error.WriteLine($"cora: {note}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
