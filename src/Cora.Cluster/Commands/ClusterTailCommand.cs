using System.CommandLine;
using Cora.Actors.Control;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora cluster tail [--interval 1s]</c>: membership changes as they happen — a member joining,
/// changing status (Up, Leaving, Exiting, Down, Removed), becoming unreachable or reachable again,
/// leaving — one line each (one JSON object per line with --json), until Ctrl+C. The console is
/// not a member, so it watches by asking the cluster at every interval.
/// </summary>
public static class ClusterTailCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var interval = new Option<TimeSpan>("--interval") { Description = "How often to look (default 1s)", DefaultValueFactory = _ => TimeSpan.FromSeconds(1) };
        var command = new Command("tail", "Follow membership events (Ctrl+C to stop)") { interval };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var output = parse.InvocationConfiguration.Output;
            var json = parse.GetValue(options.Json);
            var known = new Dictionary<string, MemberView>(StringComparer.Ordinal);
            try
            {
                while (true)
                {
                    var view = await client.Ask<ClusterView>(new ConsoleCommand.ClusterShow(), cancellation);
                    foreach (var change in Changes(known, view))
                    {
                        if (json) CliJson.Write(output, new { at = DateTimeOffset.UtcNow, address = change.Address, @event = change.Event });
                        else output.WriteLine($"{DateTimeOffset.UtcNow:HH:mm:ss} {change.Address} {change.Event}");
                        output.Flush();
                    }
                    await Task.Delay(parse.GetValue(interval), cancellation);
                }
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    /// <summary>What changed between the members seen so far and <paramref name="view"/>; updates <paramref name="known"/>.</summary>
    public static IReadOnlyList<(string Address, string Event)> Changes(Dictionary<string, MemberView> known, ClusterView view)
    {
        var changes = new List<(string, string)>();
        foreach (var m in view.Members)
        {
            if (!known.TryGetValue(m.Address, out var before))
                changes.Add((m.Address, $"member {m.Status} [{string.Join(",", m.Roles)}]{(m.Reachable ? "" : ", unreachable")}"));
            else
            {
                if (before.Status != m.Status) changes.Add((m.Address, $"status {before.Status} -> {m.Status}"));
                if (before.Reachable != m.Reachable) changes.Add((m.Address, m.Reachable ? "reachable again" : "unreachable"));
            }
            known[m.Address] = m;
        }
        foreach (var gone in known.Keys.Except(view.Members.Select(m => m.Address)).ToList())
        {
            changes.Add((gone, "removed"));
            known.Remove(gone);
        }
        return changes;
    }
}
