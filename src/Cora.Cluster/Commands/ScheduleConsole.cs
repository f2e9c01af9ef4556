using System.Globalization;
using Cora.Actors.Control;
using Cora.Actors.Scheduling;
using Cora.Cluster.Hosting;
using Cora.Training;

namespace Cora.Cluster.Commands;

/// <summary>What the <c>cora schedule …</c> commands share: asking the scheduler (a refusal —
/// bad cron, unknown zone, missing grid, no such schedule — is bad input, exit 65) and one-line
/// descriptions of schedules and slots.</summary>
public static class ScheduleConsole
{
    /// <exception cref="InvalidInputException">The scheduler refused, with its reason.</exception>
    public static async Task<T> Ask<T>(ConsoleClient client, ConsoleCommand command, CancellationToken cancellation) where T : ISchedulerMessage =>
        await client.Ask<ISchedulerMessage>(command, cancellation) switch
        {
            ScheduleRejected rejected => throw new InvalidInputException(rejected.Reason),
            T answer => answer,
            var other => throw new InvalidOperationException($"unexpected reply {other.GetType().Name} to {command.Kind}"),
        };

    public static string Describe(ScheduleView s) =>
        $"{s.Name}  \"{s.Cron}\" {s.TimeZone}  {s.Grid}\n" +
        $"  next: {(s.Next is { } next ? $"{Time(next)} ({Time(s.NextUtc!.Value)})" : "never")}\n" +
        $"  last: {(s.Last is { } last ? Describe(last) : "none yet")}";

    public static string Describe(SlotOutcome o) =>
        $"{(o.Manual ? "run-now at " : "")}{Time(o.Slot)} {o.Outcome}" +
        (o.SweepId is { } sweep ? $" -> sweep {sweep}" : "") + (o.Reason is { } reason ? $": {reason}" : "");

    private static string Time(DateTimeOffset at) => at.Offset == TimeSpan.Zero
        ? at.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)
        : at.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
}
