using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Cora.Actors.Coordinator;
using Cora.Actors.Scheduling;

namespace Cora.Cluster.Dashboard;

/// <summary>
/// Keeps the node's <see cref="DashboardStore"/> current: every refresh it asks the coordinator
/// and the scheduler (through the node's singleton proxies, so it works on any node) for their
/// <see cref="CoordinatorOverview"/> and <see cref="ScheduleList"/>, adds this node's view of the membership and the reports
/// found in the artifact store, and publishes the result. One question at a time; the asking runs
/// off the mailbox and the answer comes back as a message.
/// </summary>
public sealed class DashboardFeed : ReceiveActor, IWithTimers
{
    private readonly IActorRef _coordinator;
    private readonly IActorRef _scheduler;
    private readonly DashboardStore _store;
    private readonly string _artifacts;
    private readonly TimeSpan _refresh;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private bool _asking;
    private string? _lastProblem;

    public DashboardFeed(IActorRef coordinator, IActorRef scheduler, DashboardStore store, string artifacts, TimeSpan refresh)
    {
        _coordinator = coordinator;
        _scheduler = scheduler;
        _store = store;
        _artifacts = artifacts;
        _refresh = refresh;
        Receive<Refresh>(_ =>
        {
            if (_asking) return;
            _asking = true;
            Gather().PipeTo(Self);
        });
        Receive<DashboardState>(state =>
        {
            _asking = false;
            if (state.Coordinator != "ok" && state.Coordinator != _lastProblem) _log.Warning("Dashboard: {0}", state.Coordinator);
            _lastProblem = state.Coordinator == "ok" ? null : state.Coordinator;
            _store.Publish(state);
        });
        Receive<Status.Failure>(failure =>
        {
            _asking = false;
            _log.Warning("Dashboard: refresh failed: {0}", failure.Cause.Message);
        });
    }

    public static Props Props(IActorRef coordinator, IActorRef scheduler, DashboardStore store, string artifacts, TimeSpan refresh) =>
        Akka.Actor.Props.Create(() => new DashboardFeed(coordinator, scheduler, store, artifacts, refresh));

    public ITimerScheduler Timers { get; set; } = null!;

    protected override void PreStart()
    {
        Self.Tell(Refresh.Instance);
        Timers.StartPeriodicTimer("refresh", Refresh.Instance, _refresh);
    }

    /// <summary>Runs on a task: the overview and the schedules (or why there are none), members, reports.</summary>
    private async Task<DashboardState> Gather()
    {
        // Longer than one refresh: a coordinator busy replaying its journal still answers.
        var wait = _refresh * 3 + TimeSpan.FromSeconds(2);
        var asked = _coordinator.Ask<CoordinatorOverview>(GetOverview.Instance, wait);
        var schedules = _scheduler.Ask<ScheduleList>(ListSchedules.Instance, wait);
        var problems = new List<string>();
        var overview = await Answer(asked, "the coordinator did not answer (starting, recovering its journal, or moving to another node)", problems)
            .ConfigureAwait(false);
        var list = await Answer(schedules, "the scheduler did not answer", problems).ConfigureAwait(false);
        var trainers = overview?.Trainers ?? [];
        var state = _cluster.State;
        var members = state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).Select(m => new MemberView(
            m.Address.ToString(), m.Roles.Order(StringComparer.Ordinal).ToList(), m.Status.ToString().ToLowerInvariant(),
            !state.Unreachable.Contains(m),
            trainers.Where(t => t.Node == m.Address.ToString()).ToList())).ToList();
        return new DashboardState(DateTimeOffset.UtcNow, _cluster.SelfAddress.ToString(), problems.Count == 0 ? "ok" : string.Join("; ", problems),
            members, overview?.Trials ?? new SweepCounts(0, 0, 0, 0, 0), overview?.Sweeps ?? [], overview?.Running ?? [], overview?.Failures ?? [],
            list?.Schedules ?? [], Reports(_artifacts));
    }

    private static async Task<T?> Answer<T>(Task<T> asked, string problem, List<string> problems) where T : class
    {
        try
        {
            return await asked.ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            problems.Add(problem);
            return null;
        }
    }

    /// <summary>Every <c>reports/*/index.html</c> under the artifact store, newest first.</summary>
    public static IReadOnlyList<ReportLink> Reports(string artifacts)
    {
        var root = new DirectoryInfo(Path.Combine(artifacts, Cora.Cluster.Reports.ReportWriter.StoreDirectory));
        if (!root.Exists) return [];
        return root.EnumerateDirectories()
            .Select(d => new FileInfo(Path.Combine(d.FullName, "index.html")))
            .Where(f => f.Exists)
            .OrderByDescending(f => f.LastWriteTimeUtc)
            .Select(f => new ReportLink(f.Directory!.Name, $"/{Cora.Cluster.Reports.ReportWriter.StoreDirectory}/{Uri.EscapeDataString(f.Directory.Name)}/index.html",
                new DateTimeOffset(f.LastWriteTimeUtc, TimeSpan.Zero)))
            .ToList();
    }

    private sealed record Refresh
    {
        public static readonly Refresh Instance = new();
    }
}
