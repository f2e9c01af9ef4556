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

/// <summary>
/// One console command: a sealed record per command, nested here so that each reads as
/// <c>ConsoleCommand.SweepStatus</c>. On the wire it is a JSON object whose <c>kind</c> names the
/// command (<c>{"kind": "sweep-status", "sweep_id": …}</c>); a kind this node does not know arrives
/// as a bare <see cref="ConsoleCommand"/>, which the command host refuses, naming it. Commands that
/// change the cluster or its work implement <see cref="IAudited"/>: the command host logs who ran
/// them, when, and on what.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind", IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(ClusterShow), "cluster-show")]
[JsonDerivedType(typeof(ClusterLeave), "cluster-leave")]
[JsonDerivedType(typeof(ClusterDown), "cluster-down")]
[JsonDerivedType(typeof(PlanPart), "plan-part")]
[JsonDerivedType(typeof(SweepStart), "sweep-start")]
[JsonDerivedType(typeof(SweepList), "sweep-list")]
[JsonDerivedType(typeof(SweepStatus), "sweep-status")]
[JsonDerivedType(typeof(SweepResults), "sweep-results")]
[JsonDerivedType(typeof(SweepCancel), "sweep-cancel")]
[JsonDerivedType(typeof(SweepRetry), "sweep-retry")]
[JsonDerivedType(typeof(TrialShow), "trial-show")]
[JsonDerivedType(typeof(TrialLogs), "trial-logs")]
[JsonDerivedType(typeof(ScheduleAdd), "schedule-add")]
[JsonDerivedType(typeof(ScheduleList), "schedule-list")]
[JsonDerivedType(typeof(ScheduleRemove), "schedule-remove")]
[JsonDerivedType(typeof(ScheduleRunNow), "schedule-run-now")]
public record ConsoleCommand
{
    /// <summary>Every command's wire name, by type.</summary>
    private static readonly IReadOnlyDictionary<Type, string> Names = typeof(ConsoleCommand)
        .GetCustomAttributes(typeof(JsonDerivedTypeAttribute), inherit: false).Cast<JsonDerivedTypeAttribute>()
        .ToDictionary(a => a.DerivedType, a => (string)a.TypeDiscriminator!);

    /// <summary>The wire names of every command.</summary>
    public static IEnumerable<string> Kinds => Names.Values;

    /// <summary>The command's wire name (<c>sweep-status</c>); null for a kind this node does not know.</summary>
    [JsonIgnore] public string? Kind => Names.GetValueOrDefault(GetType());

    /// <summary>A command that changes the cluster or its work: the audit log records it, with its fields.</summary>
    public interface IAudited;

    /// <summary>Members, their roles, status and slots. Answered from the membership alone (slots
    /// unknown) while the coordinator is away.</summary>
    public sealed record ClusterShow : ConsoleCommand;

    /// <param name="Address">host:port or the full Akka address of a member.</param>
    public sealed record ClusterLeave([property: JsonPropertyName("address")] string Address) : ConsoleCommand, IAudited;

    public sealed record ClusterDown([property: JsonPropertyName("address")] string Address) : ConsoleCommand, IAudited;

    /// <summary>One part of a plan being uploaded (<see cref="SweepStart"/> ends the upload): the
    /// command host keeps it in the plan store, so no message grows with the sweep.</summary>
    /// <param name="Upload">An id the console chose for this upload.</param>
    /// <param name="Part">Counts from 0.</param>
    /// <param name="Trials">At most <see cref="ConsoleValidation.MaxPartTrials"/> trials.</param>
    public sealed record PlanPart(
        [property: JsonPropertyName("upload")] string Upload,
        [property: JsonPropertyName("part")] int Part,
        [property: JsonPropertyName("trials")] IReadOnlyList<TrialPlan> Trials) : ConsoleCommand;

    /// <summary>Submits the plan uploaded in <paramref name="Parts"/> parts; the command host puts
    /// it together, checks it whole and hands the coordinator its plan-store reference.</summary>
    public sealed record SweepStart(
        [property: JsonPropertyName("upload")] string Upload,
        [property: JsonPropertyName("parts")] int Parts,
        [property: JsonPropertyName("sweep_id")] string SweepId,
        [property: JsonPropertyName("name")] string Name,
        [property: JsonPropertyName("grid_file")] string GridFile) : ConsoleCommand, IAudited;

    public sealed record SweepList : ConsoleCommand;

    public sealed record SweepStatus([property: JsonPropertyName("sweep_id")] string SweepId) : ConsoleCommand;

    /// <summary>A page of a sweep's results (<see cref="GetSweepResults"/>); a console that names
    /// no <paramref name="Limit"/> (before paging) gets every row.</summary>
    public sealed record SweepResults(
        [property: JsonPropertyName("sweep_id")] string SweepId,
        [property: JsonPropertyName("offset")] int Offset = 0,
        [property: JsonPropertyName("limit")] int? Limit = null) : ConsoleCommand;

    public sealed record SweepCancel([property: JsonPropertyName("sweep_id")] string SweepId) : ConsoleCommand, IAudited;

    /// <param name="Failed">Also run the sweep's failed trials again, with a fresh attempt budget.</param>
    public sealed record SweepRetry(
        [property: JsonPropertyName("sweep_id")] string SweepId,
        [property: JsonPropertyName("failed")] bool Failed = false) : ConsoleCommand, IAudited;

    public sealed record TrialShow([property: JsonPropertyName("trial_id")] string TrialId) : ConsoleCommand;

    /// <param name="Attempt">Null: the latest attempt.</param>
    public sealed record TrialLogs(
        [property: JsonPropertyName("trial_id")] string TrialId,
        [property: JsonPropertyName("attempt")] int? Attempt = null) : ConsoleCommand;

    public sealed record ScheduleAdd([property: JsonPropertyName("schedule")] AddSchedule Schedule) : ConsoleCommand, IAudited;

    public sealed record ScheduleList : ConsoleCommand;

    public sealed record ScheduleRemove([property: JsonPropertyName("name")] string Name) : ConsoleCommand, IAudited;

    public sealed record ScheduleRunNow([property: JsonPropertyName("name")] string Name) : ConsoleCommand, IAudited;
}

/// <summary>A part of a plan upload is stored.</summary>
public sealed record PlanPartStored(
    [property: JsonPropertyName("upload")] string Upload,
    [property: JsonPropertyName("part")] int Part) : IConsoleMessage;

public sealed record ConsoleRefused([property: JsonPropertyName("reason")] string Reason) : IConsoleMessage;

/// <summary>The command could not be answered now (the coordinator is moving or recovering).</summary>
public sealed record ConsoleUnavailable([property: JsonPropertyName("reason")] string Reason) : IConsoleMessage;

/// <summary>The answer to <c>cluster show</c>.</summary>
/// <param name="Note">Why part of the answer is missing (the coordinator did not answer, so slots
/// are unknown); null when complete (added later: optional).</param>
public sealed record ClusterView(
    [property: JsonPropertyName("members")] IReadOnlyList<MemberView> Members,
    [property: JsonPropertyName("note")] string? Note = null) : IConsoleMessage;

/// <param name="Status">Akka's member status (Joining, Up, Leaving, Exiting, Down, Removed, …).</param>
/// <param name="Gpus">Its trainer slots; null when the coordinator, which knows them, did not answer.</param>
public sealed record MemberView(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reachable")] bool Reachable,
    [property: JsonPropertyName("gpus")] GpuView? Gpus);

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
