using System.Text.Json.Serialization;
using Cora.Actors.Coordinator;
using Cora.Actors.Scheduling;

namespace Cora.Cluster.Dashboard;

/// <summary>
/// Everything the dashboard page shows, as the node saw it at <see cref="Updated"/>: the JSON of
/// <c>/api/state</c> and of each server-sent event on <c>/api/events</c>.
/// </summary>
/// <param name="Node">The node serving the page.</param>
/// <param name="Coordinator">"ok", or why the coordinator (or the scheduler) could not be asked;
/// the lists that come from it are then empty.</param>
public sealed record DashboardState(
    [property: JsonPropertyName("updated")] DateTimeOffset Updated,
    [property: JsonPropertyName("node")] string Node,
    [property: JsonPropertyName("coordinator")] string Coordinator,
    [property: JsonPropertyName("members")] IReadOnlyList<MemberView> Members,
    [property: JsonPropertyName("trials")] SweepCounts Trials,
    [property: JsonPropertyName("sweeps")] IReadOnlyList<SweepSummary> Sweeps,
    [property: JsonPropertyName("running")] IReadOnlyList<RunningTrial> Running,
    [property: JsonPropertyName("failures")] IReadOnlyList<RecentFailure> Failures,
    [property: JsonPropertyName("schedules")] IReadOnlyList<ScheduleView> Schedules,
    [property: JsonPropertyName("reports")] IReadOnlyList<ReportLink> Reports)
{
    public static DashboardState Empty(string node) =>
        new(DateTimeOffset.UtcNow, node, "starting", [], new SweepCounts(0, 0, 0, 0, 0), [], [], [], [], []);
}

/// <summary>A cluster member and its trainer slots (one per GPU on a GPU node).</summary>
/// <param name="Status">Akka's member status (up, joining, leaving, exiting, down, …).</param>
/// <param name="Reachable">False while this node's failure detector cannot reach it.</param>
public sealed record MemberView(
    [property: JsonPropertyName("address")] string Address,
    [property: JsonPropertyName("roles")] IReadOnlyList<string> Roles,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reachable")] bool Reachable,
    [property: JsonPropertyName("slots")] IReadOnlyList<TrainerSlot> Slots);

/// <summary>A report written under the artifact store (<c>reports/NAME/index.html</c>), served at <see cref="Href"/>.</summary>
public sealed record ReportLink(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("href")] string Href,
    [property: JsonPropertyName("written")] DateTimeOffset Written);
