using System.Text.Json.Serialization;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Actors.Scheduling;
using Cora.Actors.Serialization;

namespace Cora.Actors.Control;

/// <summary>What the `cora` console sends into a cluster (through ClusterClient to the
/// <see cref="CommandHost"/>) and gets back. Every request carries the shared-secret token and
/// who sent it; a request with a wrong token gets <see cref="ConsoleRefused"/> and nothing else.</summary>
public interface IConsoleMessage : ICoraMessage;

/// <param name="Token">The console token (CORA_TOKEN).</param>
/// <param name="User">user@host of the person at the console, for the audit log.</param>
/// <param name="Command">What to do (<see cref="ConsoleCommand"/>).</param>
public sealed record ConsoleRequest(
    [property: JsonPropertyName("token")] string Token,
    [property: JsonPropertyName("user")] string User,
    [property: JsonPropertyName("command")] ConsoleCommand Command) : IConsoleMessage;

/// <summary>One console command. A single record with a kind and optional fields keeps the wire
/// format flat and version-tolerant (a newer console's extra field is ignored by an older node).</summary>
/// <param name="Kind">cluster-show | cluster-leave | cluster-down | sweep-start | sweep-list | sweep-status | sweep-results | sweep-cancel | sweep-retry | trial-show | trial-logs | schedule-add | schedule-list | schedule-remove | schedule-run-now.</param>
/// <param name="Schedule">The schedule to add (schedule-add).</param>
/// <param name="Name">A schedule's name (schedule-remove, schedule-run-now).</param>
public sealed record ConsoleCommand(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("address")] string? Address = null,
    [property: JsonPropertyName("sweep_id")] string? SweepId = null,
    [property: JsonPropertyName("trial_id")] string? TrialId = null,
    [property: JsonPropertyName("plan")] SweepPlan? Plan = null,
    [property: JsonPropertyName("failed")] bool Failed = false,
    [property: JsonPropertyName("attempt")] int? Attempt = null,
    [property: JsonPropertyName("schedule")] AddSchedule? Schedule = null,
    [property: JsonPropertyName("name")] string? Name = null)
{
    public const string ClusterShow = "cluster-show";
    public const string ClusterLeave = "cluster-leave";
    public const string ClusterDown = "cluster-down";
    public const string SweepStart = "sweep-start";
    public const string SweepListKind = "sweep-list";
    public const string SweepStatusKind = "sweep-status";
    public const string SweepResultsKind = "sweep-results";
    public const string SweepCancelKind = "sweep-cancel";
    public const string SweepRetryKind = "sweep-retry";
    public const string TrialShowKind = "trial-show";
    public const string TrialLogsKind = "trial-logs";
    public const string ScheduleAddKind = "schedule-add";
    public const string ScheduleListKind = "schedule-list";
    public const string ScheduleRemoveKind = "schedule-remove";
    public const string ScheduleRunNowKind = "schedule-run-now";

    /// <summary>Commands that change the cluster or its work: logged with who and when.</summary>
    [JsonIgnore] public bool Mutating => Kind is ClusterLeave or ClusterDown or SweepStart or SweepCancelKind or SweepRetryKind
        or ScheduleAddKind or ScheduleRemoveKind or ScheduleRunNowKind;
}

public sealed record ConsoleRefused([property: JsonPropertyName("reason")] string Reason) : IConsoleMessage;

/// <summary>The command could not be answered now (the coordinator is moving or recovering).</summary>
public sealed record ConsoleUnavailable([property: JsonPropertyName("reason")] string Reason) : IConsoleMessage;

/// <summary>The answer to <c>cluster show</c>.</summary>
public sealed record ClusterView([property: JsonPropertyName("members")] IReadOnlyList<MemberView> Members) : IConsoleMessage;

/// <param name="Status">Akka's member status (Joining, Up, Leaving, Exiting, Down, Removed, …).</param>
public sealed record MemberView(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reachable")] bool Reachable,
    [property: JsonPropertyName("gpus")] GpuView Gpus);

/// <param name="Quarantined">Slots that stopped pulling work after node faults, each as
/// "slot N: reason" (empty when none; optional on the wire).</param>
public sealed record GpuView(
    [property: JsonPropertyName("total")] int Total,
    [property: JsonPropertyName("busy")] int Busy,
    [property: JsonPropertyName("quarantined")] IReadOnlyList<string>? Quarantined = null);

/// <summary>A mutating command was carried out (or handed to the cluster).</summary>
public sealed record ConsoleDone([property: JsonPropertyName("message")] string Message) : IConsoleMessage;

/// <summary>The end of a trial attempt's log (<c>trial.log</c> in the artifact store).</summary>
public sealed record TrialLog(
    [property: JsonPropertyName("trial_id")] string TrialId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("text")] string Text) : IConsoleMessage;
