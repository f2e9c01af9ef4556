using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Cora.Actors.Coordinator;
using Cora.Actors.Scheduling;

namespace Cora.Actors.Control;

/// <summary>
/// The console's entry point into a cluster (registered with the ClusterClientReceptionist on
/// coordinator-role nodes). Checks the token, then the request itself (<see cref="ConsoleValidation"/>:
/// nothing a console sends is trusted), logs mutating commands with who and when, answers
/// cluster questions from this node's view of the membership, and forwards sweep commands to the
/// coordinator singleton and schedule commands to the scheduler singleton. It holds no state of its own.
/// </summary>
public sealed class CommandHost : ReceiveActor
{
    public const string Name = "command-host";
    /// <summary>Shorter than the console's own wait, so the console hears why.</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(20);
    /// <summary>run-now answers once the grid is planned (checkpoint hashes, cached after the
    /// first time) and submitted; still shorter than the console's own wait.</summary>
    private static readonly TimeSpan RunNowTimeout = TimeSpan.FromSeconds(50);

    /// <summary>Lines of a trial log a console gets (its end).</summary>
    private const int LogLines = 200;

    private readonly IActorRef _coordinator;
    private readonly IActorRef _scheduler;
    private readonly byte[] _token;
    private readonly string _artifacts;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="artifacts">The artifact store as this node sees it (for trial logs).</param>
    public CommandHost(IActorRef coordinator, IActorRef scheduler, string token, string artifacts)
    {
        _coordinator = coordinator;
        _scheduler = scheduler;
        _token = Encoding.UTF8.GetBytes(token);
        _artifacts = artifacts;
        ReceiveAsync<ConsoleRequest>(Handle);
    }

    public static Props Props(IActorRef coordinator, IActorRef scheduler, string token, string artifacts) =>
        Akka.Actor.Props.Create(() => new CommandHost(coordinator, scheduler, token, artifacts));

    private async Task Handle(ConsoleRequest request)
    {
        var sender = Sender;
        // Kind and user as sent, quoted: they go into the log before anything vouches for them.
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(request.Token ?? ""), _token))
        {
            _log.Warning("Console command {0} from {1} refused: wrong token", ConsoleValidation.Shown(request.Command?.Kind), ConsoleValidation.Shown(request.User));
            sender.Tell(new ConsoleRefused("wrong console token (set CORA_TOKEN to the cluster's token)"));
            return;
        }
        if (ConsoleValidation.Check(request) is { } violation)
        {
            _log.Warning("Console command {0} from {1} refused: {2}", ConsoleValidation.Shown(request.Command?.Kind), ConsoleValidation.Shown(request.User), violation.Reason);
            sender.Tell(new ConsoleRefused(violation.Reason));
            return;
        }
        var command = request.Command;
        if (command.Mutating)
            _log.Warning("Console: {0} ran {1} {2} at {3:O}", request.User, command.Kind, command.Address ?? command.Plan?.Name ?? command.Schedule?.Name ?? command.Name ?? "", DateTimeOffset.UtcNow);
        object reply;
        try
        {
            reply = command.Kind switch
            {
                ConsoleCommand.ClusterShow => await ClusterShow(),
                ConsoleCommand.ClusterLeave => Leave(command.Address),
                ConsoleCommand.ClusterDown => Down(command.Address),
                ConsoleCommand.SweepStart when command.Plan is { } plan => await _coordinator.Ask<SweepAccepted>(new SubmitSweep(plan), AskTimeout),
                ConsoleCommand.SweepListKind => await _coordinator.Ask<SweepList>(ListSweeps.Instance, AskTimeout),
                ConsoleCommand.SweepStatusKind when command.SweepId is { } id => await _coordinator.Ask<SweepStatus>(new GetSweepStatus(id), AskTimeout),
                ConsoleCommand.SweepResultsKind when command.SweepId is { } id => await _coordinator.Ask<SweepResults>(new GetSweepResults(id), AskTimeout),
                ConsoleCommand.SweepCancelKind when command.SweepId is { } id => await _coordinator.Ask<SweepStatus>(new CancelSweep(id), AskTimeout),
                ConsoleCommand.SweepRetryKind when command.SweepId is { } id => await _coordinator.Ask<SweepStatus>(new RetrySweep(id, command.Failed), AskTimeout),
                ConsoleCommand.TrialShowKind when command.TrialId is { } id => await _coordinator.Ask<TrialDetail>(new GetTrial(id), AskTimeout),
                ConsoleCommand.TrialLogsKind when command.TrialId is { } id => Log(await _coordinator.Ask<TrialDetail>(new GetTrial(id), AskTimeout), command.Attempt),
                ConsoleCommand.ScheduleAddKind when command.Schedule is { } add => await _scheduler.Ask<ISchedulerMessage>(add, AskTimeout),
                ConsoleCommand.ScheduleListKind => await _scheduler.Ask<ISchedulerMessage>(ListSchedules.Instance, AskTimeout),
                ConsoleCommand.ScheduleRemoveKind when command.Name is { } name => await _scheduler.Ask<ISchedulerMessage>(new RemoveSchedule(name), AskTimeout),
                ConsoleCommand.ScheduleRunNowKind when command.Name is { } name => await _scheduler.Ask<ISchedulerMessage>(new RunScheduleNow(name), RunNowTimeout),
                _ => new ConsoleRefused($"unknown or incomplete console command \"{command.Kind}\""),
            };
        }
        catch (AskTimeoutException)
        {
            // The coordinator singleton is moving (its node left or died) or recovering: say so;
            // the console exits with "unavailable" and the command can simply be run again.
            reply = new ConsoleUnavailable(command.Kind == ConsoleCommand.ScheduleRunNowKind
                ? $"the scheduler did not finish firing within {RunNowTimeout.TotalSeconds:F0} s (planning hashes new checkpoints once); it goes on: see `cora schedule list` for the outcome"
                : $"the sweep coordinator or scheduler did not answer within {AskTimeout.TotalSeconds:F0} s (it may be moving to another coordinator node; try again)");
        }
        sender.Tell(reply);
    }

    /// <summary>The end of an attempt's trial.log (default: the latest attempt), read from the store.</summary>
    private object Log(TrialDetail detail, int? attempt)
    {
        if (detail is not { Plan: { } plan, State: { } state }) return new ConsoleRefused("no such trial");
        var number = attempt ?? state.Attempt;
        if (number < 1 || number > state.Attempt) return new ConsoleRefused($"trial {plan.TrialId} has attempts 1..{state.Attempt}");
        var path = Path.Combine(plan.DirectoryIn(_artifacts), $"attempt-{number}", Trainer.GpuTrainer.LogFileName);
        if (!File.Exists(path))
            return new ConsoleRefused($"no log at {path} (not started yet, or the artifact store is not mounted on {_cluster.SelfAddress})");
        var lines = File.ReadLines(path).TakeLast(LogLines);
        return new TrialLog(plan.TrialId, number, path, string.Join('\n', lines));
    }

    private async Task<ClusterView> ClusterShow()
    {
        var trainers = (await _coordinator.Ask<TrainerList>(GetTrainers.Instance, AskTimeout)).Trainers;
        var state = _cluster.State;
        var members = state.Members.Select(m =>
        {
            var address = m.Address.ToString();
            var slots = trainers.Where(t => t.Node == address).ToList();
            return new MemberView(address, m.Roles.Order(StringComparer.Ordinal).ToList(), m.Status.ToString(),
                !state.Unreachable.Contains(m), new GpuView(slots.Count, slots.Count(s => s.Busy),
                    slots.Where(s => s.Quarantined is not null).Select(s => $"slot {s.Slot}: {s.Quarantined}").ToList()));
        }).ToList();
        return new ClusterView(members);
    }

    private object Leave(string? address) => Member(address) is { } member
        ? Done(() => _cluster.Leave(member.Address), $"{member.Address} is leaving the cluster")
        : new ConsoleRefused($"no member {address}");

    private object Down(string? address) => Member(address) is { } member
        ? Done(() => _cluster.Down(member.Address), $"{member.Address} is marked down")
        : new ConsoleRefused($"no member {address}");

    private static ConsoleDone Done(Action action, string message)
    {
        action();
        return new ConsoleDone(message);
    }

    private Member? Member(string? address) =>
        _cluster.State.Members.FirstOrDefault(m => m.Address.ToString() == address || $"{m.Address.Host}:{m.Address.Port}" == address);
}
