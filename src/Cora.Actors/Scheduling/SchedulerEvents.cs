using System.Text.Json.Serialization;
using Cora.Actors.Serialization;

namespace Cora.Actors.Scheduling;

/// <summary>What the <see cref="Scheduler"/> journals. Replaying these in order through
/// <see cref="ScheduleBook.Apply"/> rebuilds its whole state. Fields added later must be optional.</summary>
public interface ISchedulerEvent : ICoraMessage;

/// <summary>A schedule was added (cron slots after <paramref name="At"/> are its to fire).</summary>
/// <param name="TimeZone">IANA id the cron expression is read in.</param>
/// <param name="Grid">Absolute path of the grid file, as the coordinator nodes see it.</param>
public sealed record ScheduleAdded(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("cron")] string Cron,
    [property: JsonPropertyName("time_zone")] string TimeZone,
    [property: JsonPropertyName("grid")] string Grid,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ISchedulerEvent;

public sealed record ScheduleRemoved(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ISchedulerEvent;

/// <summary>A slot was fired: journaled BEFORE its sweep is submitted, so that no recovery can
/// fire the slot again (a crash in between loses that one submission; it never doubles it).</summary>
/// <param name="Slot">The cron slot (or, for a manual firing, the moment run-now was asked).</param>
/// <param name="Manual">run-now: not a cron slot, so it does not use one up.</param>
public sealed record SlotFired(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("slot")] DateTimeOffset Slot,
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("manual")] bool Manual,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ISchedulerEvent;

/// <summary>A slot was decided without a sweep: the previous sweep still ran, the slot was missed
/// (no scheduler ran then, and it is older than the catch-up window), or the grid failed to plan.</summary>
public sealed record SlotSkipped(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("slot")] DateTimeOffset Slot,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("manual")] bool Manual,
    [property: JsonPropertyName("at")] DateTimeOffset At) : ISchedulerEvent;
