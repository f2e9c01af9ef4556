using System.Security.Cryptography;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Actors.Scheduling;
using Cora.Actors.Serialization;

namespace Cora.Actors.Control;

/// <summary>
/// The console's entry point into a cluster (registered with the ClusterClientReceptionist on
/// coordinator-role nodes). Checks the token, then the request itself (<see cref="ConsoleValidation"/>:
/// nothing a console sends is trusted), logs audited commands with who, when and on what, answers
/// cluster questions from this node's view of the membership, keeps uploaded plans in the plan
/// store, and forwards sweep commands to the coordinator singleton and schedule commands to the
/// scheduler singleton. It holds no state of its own, and answers requests concurrently: a slow
/// one (<c>schedule run-now</c> plans a grid) does not hold up the others.
/// </summary>
public sealed class CommandHost : ReceiveActor
{
    public const string Name = "command-host";
    /// <summary>Shorter than the console's own wait, so the console hears why.</summary>
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(20);
    /// <summary>run-now answers once the grid is planned (checkpoint hashes, cached after the
    /// first time) and submitted; still shorter than the console's own wait.</summary>
    private static readonly TimeSpan RunNowTimeout = TimeSpan.FromSeconds(50);
    /// <summary><c>cluster show</c> waits this long for the coordinator's slot list, then answers
    /// from the membership alone: while the singleton moves is when an operator needs the list.</summary>
    private static readonly TimeSpan TrainersTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Lines of a trial log a console gets (its end).</summary>
    private const int LogLines = 200;

    private readonly IActorRef _coordinator;
    private readonly IActorRef _scheduler;
    private readonly byte[] _token;
    private readonly string _artifacts;
    private readonly PlanStore _plans;
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    /// <param name="artifacts">The artifact store as this node sees it (trial logs, the plan store).</param>
    public CommandHost(IActorRef coordinator, IActorRef scheduler, string token, string artifacts)
    {
        _coordinator = coordinator;
        _scheduler = scheduler;
        _token = Encoding.UTF8.GetBytes(token);
        _artifacts = artifacts;
        _plans = PlanStore.In(artifacts);
        Receive<ConsoleRequest>(Handle);
    }

    public static Props Props(IActorRef coordinator, IActorRef scheduler, string token, string artifacts) =>
        Akka.Actor.Props.Create(() => new CommandHost(coordinator, scheduler, token, artifacts));

    private void Handle(ConsoleRequest request)
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
            Refuse(request, violation);
            sender.Tell(new ConsoleRefused(violation.Reason));
            return;
        }
        var command = request.Command;
        // Checked already: no field holds a control character that could forge a log line.
        if (command is ConsoleCommand.IAudited)
            _log.Warning("Console: {0} ran {1} {2} at {3:O}", request.User, command.Kind, CoraJsonSerializer.Write(command), DateTimeOffset.UtcNow);
        Answer(request).PipeTo(sender);
    }

    private void Refuse(ConsoleRequest request, ConsoleViolation violation) =>
        _log.Warning("Console command {0} from {1} refused: {2}", ConsoleValidation.Shown(request.Command?.Kind), ConsoleValidation.Shown(request.User), violation.Reason);

    /// <summary>The reply to a checked request. Runs outside the actor (many at once): it touches
    /// only what is safe from any thread (asks, the cluster's state, files).</summary>
    private async Task<object> Answer(ConsoleRequest request)
    {
        var command = request.Command;
        try
        {
            return command switch
            {
                ConsoleCommand.ClusterShow => await ClusterShow(),
                ConsoleCommand.ClusterLeave leave => Leave(leave.Address),
                ConsoleCommand.ClusterDown down => Down(down.Address),
                ConsoleCommand.PlanPart part => await Task.Run(() =>
                {
                    _plans.SavePart(part.Upload, part.Part, part.Trials);
                    return new PlanPartStored(part.Upload, part.Part);
                }),
                ConsoleCommand.SweepStart start => await Start(request, start),
                ConsoleCommand.SweepList => await _coordinator.Ask<SweepList>(ListSweeps.Instance, AskTimeout),
                ConsoleCommand.SweepStatus status => await _coordinator.Ask<SweepStatus>(new GetSweepStatus(status.SweepId), AskTimeout),
                ConsoleCommand.SweepResults results => await _coordinator.Ask<SweepResults>(new GetSweepResults(results.SweepId, results.Offset, results.Limit), AskTimeout),
                ConsoleCommand.SweepCancel cancel => await _coordinator.Ask<SweepStatus>(new CancelSweep(cancel.SweepId), AskTimeout),
                ConsoleCommand.SweepRetry retry => await _coordinator.Ask<SweepStatus>(new RetrySweep(retry.SweepId, retry.Failed), AskTimeout),
                ConsoleCommand.TrialShow show => await _coordinator.Ask<TrialDetail>(new GetTrial(show.TrialId), AskTimeout),
                ConsoleCommand.TrialLogs logs => Log(await _coordinator.Ask<TrialDetail>(new GetTrial(logs.TrialId), AskTimeout), logs.Attempt),
                ConsoleCommand.ScheduleAdd add => await _scheduler.Ask<ISchedulerMessage>(add.Schedule, AskTimeout),
                ConsoleCommand.ScheduleList => await _scheduler.Ask<ISchedulerMessage>(ListSchedules.Instance, AskTimeout),
                ConsoleCommand.ScheduleRemove remove => await _scheduler.Ask<ISchedulerMessage>(new RemoveSchedule(remove.Name), AskTimeout),
                ConsoleCommand.ScheduleRunNow run => await _scheduler.Ask<ISchedulerMessage>(new RunScheduleNow(run.Name), RunNowTimeout),
                // ConsoleValidation refuses unknown kinds; a command added there but not here lands here.
                _ => new ConsoleRefused($"console command \"{command.Kind}\" is not handled by this node"),
            };
        }
        catch (AskTimeoutException)
        {
            // The coordinator singleton is moving (its node left or died) or recovering: say so;
            // the console exits with "unavailable" and the command can simply be run again.
            return new ConsoleUnavailable(command is ConsoleCommand.ScheduleRunNow
                ? $"the scheduler did not finish firing within {RunNowTimeout.TotalSeconds:F0} s (planning hashes new checkpoints once); it goes on: see `cora schedule list` for the outcome"
                : $"the sweep coordinator or scheduler did not answer within {AskTimeout.TotalSeconds:F0} s (it may be moving to another coordinator node; try again)");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            // The plan store (shared storage) failed: the console hears which file and why.
            _log.Warning("Console command {0} from {1} failed on the artifact store: {2}", command.Kind, request.User, e.Message);
            return new ConsoleRefused($"the artifact store on {_cluster.SelfAddress} failed: {e.Message}");
        }
    }

    /// <summary>Puts an uploaded plan together, checks it whole, stores it and submits its reference.</summary>
    private async Task<object> Start(ConsoleRequest request, ConsoleCommand.SweepStart start)
    {
        var plan = await Task.Run(() => new SweepPlan
        {
            SweepId = start.SweepId,
            Name = start.Name,
            GridFile = start.GridFile,
            Trials = _plans.TakeParts(start.Upload, start.Parts),
        });
        if (ConsoleValidation.CheckPlan(plan) is { } violation)
        {
            Refuse(request, violation);
            return new ConsoleRefused(violation.Reason);
        }
        var (reference, _) = await Task.Run(() => _plans.Save(plan));
        return await _coordinator.Ask<SweepAccepted>(new SubmitStoredSweep(reference), AskTimeout);
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
        IReadOnlyList<TrainerSlot>? trainers = null;
        try
        {
            trainers = (await _coordinator.Ask<TrainerList>(GetTrainers.Instance, TrainersTimeout)).Trainers;
        }
        catch (AskTimeoutException)
        {
            // The membership is this node's own view; only the slots need the coordinator.
        }
        var state = _cluster.State;
        var members = state.Members.Select(m =>
        {
            var address = m.Address.ToString();
            var slots = trainers?.Where(t => t.Node == address).ToList();
            return new MemberView(address, m.Roles.Order(StringComparer.Ordinal).ToList(), m.Status.ToString(),
                !state.Unreachable.Contains(m), slots is null ? null : new GpuView(slots.Count, slots.Count(s => s.Busy),
                    slots.Where(s => s.Quarantined is not null).Select(s => $"slot {s.Slot}: {s.Quarantined}").ToList()));
        }).ToList();
        return new ClusterView(members, trainers is null
            ? $"the sweep coordinator did not answer within {TrainersTimeout.TotalSeconds:F0} s (moving or recovering): members from {_cluster.SelfAddress}'s view, slots unknown"
            : null);
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
