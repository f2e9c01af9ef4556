using System.Text.Json;
using Akka.Actor;
using Akka.Event;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Training.IO;
using Cora.Training.Trials;

namespace Cora.Actors.Trainer;

/// <summary>
/// One trial slot (a GPU, or a CPU slot) of a node. Pulls a trial from the coordinator and takes
/// it through explicit stages — check checkpoints → basis (CoRA methods) → run the trial process →
/// score — then reports and pulls the next. The trial itself runs in a child process
/// (<see cref="TrialProcess"/>): a crash, out-of-memory kill or hang fails that attempt only.
/// Stopping the trainer (or cancelling the attempt) kills the process.
/// </summary>
/// <remarks>
/// While busy it renews the attempt's lease with a heartbeat; results are re-sent with each
/// heartbeat until the coordinator acknowledges them. The stages around the process have
/// deadlines. A failure that is the node's, not the trial's (<see cref="FailureKind.NodeFault"/>),
/// is reported as such; after <see cref="TrainerSettings.QuarantineAfter"/> of them in a row the
/// slot quarantines itself — it stops pulling work and re-checks itself (<see cref="NodeCheck"/>)
/// until it may rejoin.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "An actor releases what it owns in PostStop, not Dispose.")]
public sealed class GpuTrainer : ReceiveActor, IWithTimers
{
    public const string SpecFileName = "spec.json";
    public const string LogFileName = "trial.log";
    public const string MetricsFileName = "metrics.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    private readonly IActorRef _coordinator;
    private readonly IActorRef _loader;
    private readonly IActorRef _basisExtractor;
    private readonly IActorRef _evaluator;
    private readonly TrainerSettings _settings;
    private readonly int _slot;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    private RunTrial? _current;
    private string _attemptDir = "";
    private CancellationTokenSource? _cancel;
    /// <summary>Made afresh by every start, restarts included (<see cref="RequestTrial.Incarnation"/>).</summary>
    private readonly string _incarnation = Guid.NewGuid().ToString("N");
    /// <summary>Results sent but not yet acknowledged, re-sent with every heartbeat.</summary>
    private readonly Dictionary<TrialTicket, ICoordinatorMessage> _unacknowledged = [];
    /// <summary>Node faults in a row (any other outcome resets it).</summary>
    private int _nodeFaults;
    private Quarantine? _quarantine;

    public GpuTrainer(IActorRef coordinator, IActorRef loader, IActorRef basisExtractor, IActorRef evaluator, TrainerSettings settings, int slot)
    {
        _coordinator = coordinator;
        _loader = loader;
        _basisExtractor = basisExtractor;
        _evaluator = evaluator;
        _settings = settings;
        _slot = slot;
        Idle();
    }

    public static Props Props(IActorRef coordinator, IActorRef loader, IActorRef basisExtractor, IActorRef evaluator, TrainerSettings settings, int slot) =>
        Akka.Actor.Props.Create(() => new GpuTrainer(coordinator, loader, basisExtractor, evaluator, settings, slot));

    public ITimerScheduler Timers { get; set; } = null!;

    private TrialTicket Ticket => new(_current!.Plan.TrialId, _current.Attempt);

    private TrialPlan Plan => _current!.Plan;

    /// <summary>While idle the request is repeated: a coordinator that restarted or moved to another
    /// node (a cluster singleton) does not know who was waiting.</summary>
    private static readonly TimeSpan RequestAgain = TimeSpan.FromSeconds(5);

    protected override void PreStart()
    {
        Timers.StartPeriodicTimer("heartbeat", new HeartbeatTick(), _settings.HeartbeatEvery);
        AskForWork();
    }

    private RequestTrial Request => new(_settings.Node, _slot, _incarnation);

    private void AskForWork()
    {
        _coordinator.Tell(Request);
        Timers.StartPeriodicTimer("request", new RequestAgainTick(), RequestAgain);
    }

    /// <summary>What every state handles: heartbeats (lease renewal and re-sending results) and
    /// acknowledgements of results.</summary>
    private void Always()
    {
        Receive<HeartbeatTick>(_ =>
        {
            if (_current is { } run) _coordinator.Tell(new AttemptAlive(run.Plan.TrialId, run.Attempt, _settings.Node, _slot, _incarnation));
            foreach (var result in _unacknowledged.Values) _coordinator.Tell(result);
        });
        Receive<ResultRecorded>(recorded => _unacknowledged.Remove(new TrialTicket(recorded.TrialId, recorded.Attempt)));
    }

    protected override void PostStop()
    {
        _cancel?.Cancel();
        _cancel?.Dispose();
    }

    private void Idle()
    {
        Always();
        Receive<RunTrial>(Start);
        Receive<RequestAgainTick>(_ => _coordinator.Tell(Request));
        Receive<CancelTrial>(_ => { });
        Receive<StageDeadline>(_ => { });
        Receive<ITrainerMessage>(late => _log.Debug("Dropped a reply for a finished attempt: {0}", late.GetType().Name));
        Receive<ProcessProgress>(_ => { });
        Receive<ProcessExited>(exited => _log.Debug("Process of cancelled attempt {0} exited with {1}", exited.Ticket, exited.Exit.ExitCode));
    }

    private void Start(RunTrial run)
    {
        Timers.Cancel("request");
        _current = run;
        _attemptDir = Path.Combine(Plan.DirectoryIn(_settings.Artifacts), $"attempt-{run.Attempt}");
        try
        {
            Directory.CreateDirectory(_attemptDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The artifact store is not usable from this node (mount gone, read-only, full):
            // the node's fault; the trial runs elsewhere.
            Fail($"cannot write the artifact store on {_settings.Node}: {_attemptDir}: {e.Message}", FailureKind.NodeFault);
            return;
        }
        _log.Info("Trial {0} attempt {1}: {2} r={3} on {4}/{5}", Plan.TrialId, run.Attempt, Plan.Method, Plan.Rank, _settings.Node, _slot);
        Report("checking checkpoints");
        _loader.Tell(new CheckCheckpoints(Ticket, Checkpoints(Plan)));
        StartDeadline("checking checkpoints", _settings.CheckDeadline);
        Become(Checking);
    }

    private static List<string> Checkpoints(TrialPlan plan) => new[] { plan.Spec.BaseModel }.Concat(plan.Basis?.Sources ?? []).ToList();

    /// <summary>The stage that just began must end within <paramref name="deadline"/>, or the
    /// attempt is abandoned as a node fault (a hung mount, a stuck scorer).</summary>
    private void StartDeadline(string stage, TimeSpan deadline) =>
        Timers.StartSingleTimer("deadline", new StageDeadline(Ticket, stage, deadline), deadline);

    private void Checking()
    {
        Common();
        Receive<CheckpointsChecked>(m => m.Ticket == Ticket, checkedMessage =>
        {
            if (checkedMessage.Problem is { } problem)
            {
                Fail($"checkpoint check failed: {problem}", checkedMessage.NodeFault ? FailureKind.NodeFault : FailureKind.Deterministic);
            }
            else if (Plan.Basis is { } basis)
            {
                Report("extracting basis");
                _basisExtractor.Tell(new EnsureBasis(Ticket, basis));
                StartDeadline("extracting the basis", _settings.BasisDeadline);
                Become(PreparingBasis);
            }
            else
            {
                Launch(basisPath: null);
            }
        });
    }

    private void PreparingBasis()
    {
        Common();
        Receive<BasisReady>(m => m.Ticket == Ticket, ready => Launch(ready.Path));
        Receive<BasisFailed>(m => m.Ticket == Ticket, failed => Fail($"basis extraction failed: {failed.Reason}",
            failed.NodeFault ? FailureKind.NodeFault : failed.Deterministic ? FailureKind.Deterministic : FailureKind.Transient));
    }

    private void Launch(string? basisPath)
    {
        Timers.Cancel("deadline");
        var specPath = Path.Combine(_attemptDir, SpecFileName);
        AtomicFile.WriteAllText(specPath, JsonSerializer.Serialize(Plan.Spec with { Basis = basisPath }, Json) + "\n");
        // Checkpoints sit beside the attempts: the next attempt of this trial resumes from them.
        var checkpoints = Path.Combine(Plan.DirectoryIn(_settings.Artifacts), "checkpoints");
        var command = _settings.Command.Concat(["trial", "exec", "--spec", specPath, "--out", _attemptDir, "--checkpoints", checkpoints]).ToList();
        _cancel = new CancellationTokenSource();
        var self = Self;
        var ticket = Ticket;
        var timeout = TimeSpan.FromSeconds(Plan.TimeoutSeconds);
        Report("starting");
        TrialProcess.RunAsync(command, _settings.TrialEnvironment(_slot), Path.Combine(_attemptDir, LogFileName), timeout,
                line => self.Tell(new ProcessProgress(ticket, line)), _cancel.Token)
            .PipeTo(self, success: exit => new ProcessExited(ticket, exit),
                failure: e => new ProcessExited(ticket, new TrialProcessExit(-1, false, false, [$"could not start {command[0]}: {e.Message}"])));
        Become(Running);
    }

    private void Running()
    {
        Common();
        Receive<ProcessProgress>(m => m.Ticket == Ticket, p =>
            _coordinator.Tell(new TrialProgressed(Plan.TrialId, _current!.Attempt, p.Line.Stage, p.Line.Step, p.Line.TotalSteps, p.Line.Loss, p.Line.TokensPerSecond)));
        Receive<ProcessExited>(m => m.Ticket == Ticket, exited =>
        {
            var exit = exited.Exit;
            if (exit.ExitCode == 0 && !exit.Cancelled && !exit.TimedOut)
            {
                Report("scoring");
                _evaluator.Tell(new ScorePredictions(Ticket, Path.Combine(_attemptDir, "predictions.jsonl"), Plan.Metrics,
                    Path.Combine(_attemptDir, MetricsFileName), Plan.BertScore));
                StartDeadline("scoring", _settings.ScoringDeadline);
                Become(Scoring);
                return;
            }
            var (reason, kind) = TrialFailures.Classify(exit, TimeSpan.FromSeconds(Plan.TimeoutSeconds), Path.Combine(_attemptDir, LogFileName));
            Fail(reason, kind);
        });
    }

    private void Scoring()
    {
        Common();
        Receive<PredictionsScored>(m => m.Ticket == Ticket, scored =>
        {
            if (TrialSummary.Read(_attemptDir) is not { } summary)
            {
                Fail($"the trial process exited 0 but left no readable {TrialRunner.ResultFileName} in {_attemptDir}", FailureKind.Transient);
                return;
            }
            var metrics = scored.Corpus.Concat(summary).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
            Send(new TrialCompleted(Plan.TrialId, _current!.Attempt, metrics, _attemptDir));
            _nodeFaults = 0;
            Finish();
        });
        Receive<ScoringFailed>(m => m.Ticket == Ticket, failed => Fail($"scoring failed: {failed.Reason}", FailureKind.Transient));
    }

    /// <summary>What every busy stage handles: cancellation of this attempt, and stale replies.</summary>
    private void Common()
    {
        Always();
        Receive<StageDeadline>(m => m.Ticket == Ticket, passed =>
            Fail($"{passed.Stage} passed its deadline of {passed.Deadline} on {_settings.Node} (cora.trainer.deadlines)", FailureKind.NodeFault));
        Receive<StageDeadline>(_ => { });
        Receive<CancelTrial>(c => _current is not null && c.TrialId == Plan.TrialId && c.Attempt == _current.Attempt, c =>
        {
            _log.Info("Trial {0} attempt {1} cancelled: {2}", c.TrialId, c.Attempt, c.Reason);
            _cancel?.Cancel();
            Finish();
        });
        Receive<RunTrial>(run =>
        {
            _log.Info("Busy with {0}; declining {1}", Plan.TrialId, run.Plan.TrialId);
            Sender.Tell(new TrialDeclined(run.Plan.TrialId, run.Attempt));
        });
        Receive<RequestAgainTick>(_ => { });
        // A cancelled attempt's process may still report while the next attempt runs.
        Receive<ProcessProgress>(m => m.Ticket != Ticket, _ => { });
        Receive<ProcessExited>(m => m.Ticket != Ticket, exited => _log.Debug("Process of cancelled attempt {0} exited with {1}", exited.Ticket, exited.Exit.ExitCode));
    }

    private void Fail(string reason, FailureKind kind)
    {
        var attempt = _current!.Attempt;
        _log.Warning("Trial {0} attempt {1} failed{2}: {3}", Plan.TrialId, attempt, kind == FailureKind.NodeFault ? " because of this node" : "", reason);
        Send(new TrialFailed(Plan.TrialId, attempt, reason, kind == FailureKind.Deterministic, kind == FailureKind.NodeFault));
        if (kind != FailureKind.NodeFault)
        {
            _nodeFaults = 0;
            Finish();
            return;
        }
        _nodeFaults++;
        var inputs = new NodeInputs(Checkpoints(Plan), [Plan.Spec.TrainData, Plan.Spec.EvalData]);
        if (_nodeFaults < _settings.QuarantineAfter)
        {
            Finish();
            return;
        }
        Release();
        EnterQuarantine(new Quarantine($"{_nodeFaults} node faults in a row; the last: {reason}", DateTimeOffset.UtcNow, inputs));
    }

    /// <summary>Sends a result and keeps it until the coordinator acknowledges it.</summary>
    private void Send(ICoordinatorMessage result)
    {
        var ticket = result switch
        {
            TrialCompleted c => new TrialTicket(c.TrialId, c.Attempt),
            TrialFailed f => new TrialTicket(f.TrialId, f.Attempt),
            _ => throw new ArgumentException($"not a result: {result.GetType().Name}", nameof(result)),
        };
        _unacknowledged[ticket] = result;
        _coordinator.Tell(result);
    }

    /// <summary>Lets go of the current attempt (its process is stopped if it still runs).</summary>
    private void Release()
    {
        Timers.Cancel("deadline");
        _cancel?.Cancel();
        _cancel?.Dispose();
        _cancel = null;
        _current = null;
    }

    private void Finish()
    {
        Release();
        Become(Idle);
        AskForWork();
    }

    /// <summary>Stops pulling work, tells the coordinator why, and re-checks every
    /// <see cref="TrainerSettings.RecheckEvery"/>.</summary>
    private void EnterQuarantine(Quarantine quarantine)
    {
        _quarantine = quarantine;
        _log.Error("Slot {0} quarantined: {1}; it re-checks itself every {2}", _slot, quarantine.Reason, _settings.RecheckEvery);
        Timers.Cancel("request");
        _coordinator.Tell(new TrainerQuarantined(_settings.Node, _slot, quarantine.Reason, quarantine.Since));
        Timers.StartPeriodicTimer("recheck", new RecheckTick(), _settings.RecheckEvery);
        Become(Quarantined);
    }

    private void Quarantined()
    {
        Always();
        Receive<RecheckTick>(_ =>
        {
            var inputs = _quarantine!.Inputs;
            var (artifacts, node, slot) = (_settings.Artifacts, _settings.Node, _slot);
            // A hung mount blocks the check, never the mailbox.
            Task.Run(() => NodeCheck.Run(artifacts, node, slot, inputs.Checkpoints, inputs.Files)).PipeTo(Self,
                success: problem => new Rechecked(problem),
                failure: e => new Rechecked(e.Message));
        });
        Receive<Rechecked>(result =>
        {
            if (result.Problem is { } problem)
            {
                _log.Warning("Slot {0} still quarantined: {1}", _slot, problem);
                _coordinator.Tell(new TrainerQuarantined(_settings.Node, _slot, $"{_quarantine!.Reason}; the re-check: {problem}", _quarantine.Since));
                return;
            }
            _log.Info("Slot {0} passed its check after quarantine; pulling work again", _slot);
            Timers.Cancel("recheck");
            _quarantine = null;
            _nodeFaults = 0;
            Become(Idle);
            AskForWork();
        });
        Receive<RunTrial>(run => Sender.Tell(new TrialDeclined(run.Plan.TrialId, run.Attempt)));
        Receive<CancelTrial>(_ => { });
        Receive<RequestAgainTick>(_ => { });
        Receive<StageDeadline>(_ => { });
        Receive<ITrainerMessage>(late => _log.Debug("Dropped a reply for a finished attempt: {0}", late.GetType().Name));
        Receive<ProcessProgress>(_ => { });
        Receive<ProcessExited>(_ => { });
    }

    private void Report(string stage) => _coordinator.Tell(new TrialProgressed(Plan.TrialId, _current!.Attempt, stage));

    private sealed record RequestAgainTick;

    private sealed record HeartbeatTick;

    private sealed record RecheckTick;

    private sealed record Rechecked(string? Problem);

    private sealed record StageDeadline(TrialTicket Ticket, string Stage, TimeSpan Deadline);

    /// <summary>What the re-check reads: the inputs of the attempt that faulted last.</summary>
    private sealed record NodeInputs(IReadOnlyList<string> Checkpoints, IReadOnlyList<string> Files);

    private sealed record Quarantine(string Reason, DateTimeOffset Since, NodeInputs Inputs);

    private sealed record ProcessProgress(TrialTicket Ticket, TrialProgressLine Line);

    private sealed record ProcessExited(TrialTicket Ticket, TrialProcessExit Exit);
}
