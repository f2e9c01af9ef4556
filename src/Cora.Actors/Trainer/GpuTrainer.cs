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

    protected override void PreStart() => AskForWork();

    private void AskForWork()
    {
        _coordinator.Tell(new RequestTrial(_settings.Node, _slot));
        Timers.StartPeriodicTimer("request", new RequestAgainTick(), RequestAgain);
    }

    protected override void PostStop()
    {
        _cancel?.Cancel();
        _cancel?.Dispose();
    }

    private void Idle()
    {
        Receive<RunTrial>(Start);
        Receive<RequestAgainTick>(_ => _coordinator.Tell(new RequestTrial(_settings.Node, _slot)));
        Receive<CancelTrial>(_ => { });
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
            // the attempt fails with the path in its reason and is retried, maybe elsewhere.
            Fail($"cannot write the artifact store on {_settings.Node}: {_attemptDir}: {e.Message}", deterministic: false);
            return;
        }
        _log.Info("Trial {0} attempt {1}: {2} r={3} on {4}/{5}", Plan.TrialId, run.Attempt, Plan.Method, Plan.Rank, _settings.Node, _slot);
        Report("checking checkpoints");
        var checkpoints = new[] { Plan.Spec.BaseModel }.Concat(Plan.Basis?.Sources ?? []).ToList();
        _loader.Tell(new CheckCheckpoints(Ticket, checkpoints));
        Become(Checking);
    }

    private void Checking()
    {
        Common();
        Receive<CheckpointsChecked>(m => m.Ticket == Ticket, checkedMessage =>
        {
            if (checkedMessage.Problem is { } problem)
            {
                Fail($"checkpoint check failed: {problem}", deterministic: true);
            }
            else if (Plan.Basis is { } basis)
            {
                Report("extracting basis");
                _basisExtractor.Tell(new EnsureBasis(Ticket, basis));
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
        Receive<BasisFailed>(m => m.Ticket == Ticket, failed => Fail($"basis extraction failed: {failed.Reason}", failed.Deterministic));
    }

    private void Launch(string? basisPath)
    {
        var specPath = Path.Combine(_attemptDir, SpecFileName);
        AtomicFile.WriteAllText(specPath, JsonSerializer.Serialize(Plan.Spec with { Basis = basisPath }, Json) + "\n");
        var command = _settings.Command.Concat(["trial", "exec", "--spec", specPath, "--out", _attemptDir]).ToList();
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
                Become(Scoring);
                return;
            }
            var (reason, deterministic) = TrialFailures.Classify(exit, TimeSpan.FromSeconds(Plan.TimeoutSeconds), Path.Combine(_attemptDir, LogFileName));
            Fail(reason, deterministic);
        });
    }

    private void Scoring()
    {
        Common();
        Receive<PredictionsScored>(m => m.Ticket == Ticket, scored =>
        {
            if (TrialSummary.Read(_attemptDir) is not { } summary)
            {
                Fail($"the trial process exited 0 but left no readable {TrialRunner.ResultFileName} in {_attemptDir}", deterministic: false);
                return;
            }
            var metrics = scored.Corpus.Concat(summary).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal);
            _coordinator.Tell(new TrialCompleted(Plan.TrialId, _current!.Attempt, metrics, _attemptDir));
            Finish();
        });
        Receive<ScoringFailed>(m => m.Ticket == Ticket, failed => Fail($"scoring failed: {failed.Reason}", deterministic: false));
    }

    /// <summary>What every busy stage handles: cancellation of this attempt, and stale replies.</summary>
    private void Common()
    {
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

    private void Fail(string reason, bool deterministic)
    {
        _log.Warning("Trial {0} attempt {1} failed: {2}", Plan.TrialId, _current!.Attempt, reason);
        _coordinator.Tell(new TrialFailed(Plan.TrialId, _current.Attempt, reason, deterministic));
        Finish();
    }

    private void Finish()
    {
        _cancel?.Dispose();
        _cancel = null;
        _current = null;
        Become(Idle);
        AskForWork();
    }

    private void Report(string stage) => _coordinator.Tell(new TrialProgressed(Plan.TrialId, _current!.Attempt, stage));

    private sealed record RequestAgainTick;

    private sealed record ProcessProgress(TrialTicket Ticket, TrialProgressLine Line);

    private sealed record ProcessExited(TrialTicket Ticket, TrialProcessExit Exit);
}
