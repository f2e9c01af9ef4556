using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Coordinator;

namespace Cora.Cluster.Commands;

/// <summary><c>cora trial show ID</c>: a trial's plan (method, rank, sources, dataset, seed, spec)
/// and state (attempts with their outcomes and reasons, node, metrics, output directory).</summary>
public static class TrialShowCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var id = new Argument<string>("ID") { Description = "Trial id" };
        var command = new Command("show", "A trial's plan, state and attempts") { id };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var detail = await client.Ask<TrialDetail>(new ConsoleCommand.TrialShow(parse.GetValue(id)!), cancellation);
            if (detail is not { Plan: { } plan, State: { } state }) throw new Training.InvalidInputException($"no trial {parse.GetValue(id)}");
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(options.Json))
            {
                CliJson.Write(output, detail);
                return ExitCodes.Ok;
            }
            output.WriteLine($"trial {plan.TrialId}: {plan.Method} r={plan.Rank} sources={plan.Sources} dataset={plan.Dataset} seed={plan.Seed}");
            output.WriteLine($"  state {state.State.ToString().ToLowerInvariant()}, attempt {state.Attempt} (failed {state.FailedAttempts} of {plan.MaxAttempts}){(state.Node is { } n ? $", last on {n} slot {state.Slot}" : "")}");
            if (state.OutputDir is { } dir) output.WriteLine($"  output {dir}");
            foreach (var h in state.History) output.WriteLine($"  attempt {h.Attempt} {h.Outcome} on {h.Node} at {h.At:u}: {h.Reason}");
            foreach (var (key, value) in state.Metrics ?? new Dictionary<string, System.Text.Json.JsonElement>())
                if (value.ValueKind == System.Text.Json.JsonValueKind.Number) output.WriteLine($"  {key} {value.GetDouble():G6}");
            return ExitCodes.Ok;
        });
        return command;
    }
}
