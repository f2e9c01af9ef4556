using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Coordinator;

namespace Cora.Cluster.Commands;

/// <summary><c>cora sweep status ID</c>: state, counts, running trials with node/slot and
/// step/loss, failures with reasons. JSON: <c>{"sweep_id","state","counts","running","failures",…}</c>.</summary>
public static class SweepStatusCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var id = new Argument<string>("ID") { Description = "Sweep id (from sweep start or sweep list)" };
        var command = new Command("status", "Progress of a sweep") { id };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var status = await client.Ask<SweepStatus>(new ConsoleCommand.SweepStatus(parse.GetValue(id)!), cancellation);
            var output = parse.InvocationConfiguration.Output;
            if (status.State == "unknown") throw new Training.InvalidInputException($"no sweep {parse.GetValue(id)} (see `cora sweep list`)");
            if (parse.GetValue(options.Json))
            {
                CliJson.Write(output, status);
                return ExitCodes.Ok;
            }
            var c = status.Counts;
            output.WriteLine($"sweep {status.SweepId} ({status.Name}): {status.State}; {c.Succeeded} succeeded, {c.Running} running, {c.Pending} pending, {c.Failed} failed of {c.Total}");
            foreach (var r in status.Running)
                output.WriteLine($"  running {r.TrialId} {r.Method} r={r.Rank} attempt {r.Attempt} on {r.Node} slot {r.Slot}: {r.Stage}{(r.Step is { } s ? $" step {s}/{r.TotalSteps}" : "")}{(r.Loss is { } l ? $" loss {l:F4}" : "")}");
            foreach (var f in status.Failures)
                output.WriteLine($"  {f.Outcome} {f.TrialId} attempt {f.Attempt}: {f.Reason}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
