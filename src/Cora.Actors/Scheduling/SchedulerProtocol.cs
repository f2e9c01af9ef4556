using System.Text.Json.Serialization;
using Cora.Actors.Serialization;

namespace Cora.Actors.Scheduling;

/// <summary>Messages to and from the <see cref="Scheduler"/>. Every request is answered; a
/// request it refuses (bad cron, unknown zone, missing grid, no such schedule) gets
/// <see cref="ScheduleRejected"/> with a reason that names the value.</summary>
public interface ISchedulerMessage : ICoraMessage;

/// <summary>Reply: <see cref="ScheduleView"/> of the new schedule, or <see cref="ScheduleRejected"/>.</summary>
/// <param name="TimeZone">IANA id (e.g. Europe/Paris); the cron expression is read in it.</param>
/// <param name="Grid">Absolute path of a grid file on storage the coordinator nodes see.</param>
public sealed record AddSchedule(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("cron")] string Cron,
    [property: JsonPropertyName("time_zone")] string TimeZone,
    [property: JsonPropertyName("grid")] string Grid) : ISchedulerMessage;

/// <summary>Reply: <see cref="ScheduleView"/> of the removed schedule, or <see cref="ScheduleRejected"/>.
/// A firing already under way is not recalled; nothing fires after the reply.</summary>
public sealed record RemoveSchedule([property: JsonPropertyName("name")] string Name) : ISchedulerMessage;

/// <summary>Reply: <see cref="ScheduleList"/>.</summary>
public sealed record ListSchedules : ISchedulerMessage
{
    public static readonly ListSchedules Instance = new();
}

/// <summary>Fire now, as a manual firing: same rule as a cron slot (skipped while the schedule's
/// previous sweep still runs), and it does not use up the next cron slot. Reply, once decided
/// and (when fired) submitted: <see cref="SlotOutcome"/>, or <see cref="ScheduleRejected"/>.</summary>
public sealed record RunScheduleNow([property: JsonPropertyName("name")] string Name) : ISchedulerMessage;

/// <summary>Look at the clock and fire or skip what is due. Production: the scheduler's own timer
/// (at the next slot, and at least every <c>cora.scheduler.check-every</c>); tests send it.</summary>
public sealed record SchedulerTick : ISchedulerMessage
{
    public static readonly SchedulerTick Instance = new();
}

public sealed record ScheduleRejected([property: JsonPropertyName("reason")] string Reason) : ISchedulerMessage;

/// <summary>How one slot of a schedule was decided.</summary>
/// <param name="Outcome">"fired" (with <paramref name="SweepId"/>) or "skipped" (with <paramref name="Reason"/>).</param>
public sealed record SlotOutcome(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("slot")] DateTimeOffset Slot,
    [property: JsonPropertyName("manual")] bool Manual,
    [property: JsonPropertyName("outcome")] string Outcome,
    [property: JsonPropertyName("sweep_id")] string? SweepId = null,
    [property: JsonPropertyName("reason")] string? Reason = null) : ISchedulerMessage
{
    public const string Fired = "fired";
    public const string Skipped = "skipped";
}

/// <param name="Next">The next cron slot, in the schedule's zone (its UTC offset shown).</param>
/// <param name="NextUtc">The same instant in UTC.</param>
/// <param name="Last">The latest decided slot, cron or manual (null: none yet).</param>
public sealed record ScheduleView(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("cron")] string Cron,
    [property: JsonPropertyName("time_zone")] string TimeZone,
    [property: JsonPropertyName("grid")] string Grid,
    [property: JsonPropertyName("next")] DateTimeOffset? Next,
    [property: JsonPropertyName("next_utc")] DateTimeOffset? NextUtc,
    [property: JsonPropertyName("last")] SlotOutcome? Last) : ISchedulerMessage;

public sealed record ScheduleList([property: JsonPropertyName("schedules")] IReadOnlyList<ScheduleView> Schedules) : ISchedulerMessage;
