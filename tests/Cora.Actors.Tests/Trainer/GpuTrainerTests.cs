using System.Text.Json;
using Akka.Actor;
using Akka.TestKit;
using Akka.TestKit.Xunit2;
using Cora.Actors.Basis;
using Cora.Actors.Coordinator;
using Cora.Actors.Evaluation;
using Cora.Actors.Grids;
using Cora.Actors.Loading;
using Cora.Actors.Trainer;
using Cora.Training.Trials;

namespace Cora.Actors.Tests.Trainer;

/// <summary>
/// A GpuTrainer with the real loader, basis extractor and evaluator, running real child processes:
/// small shell scripts stand in for `cora trial exec` (same arguments, same progress lines, same
/// files), so crashes, exit codes, hangs and kills are real.
/// </summary>
public sealed class GpuTrainerTests : TestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _temp = new();
    private readonly TestProbe _coordinator;

    public GpuTrainerTests() : base(CoraConfig.Reference)
    {
        _coordinator = CreateTestProbe();
    }

    void IDisposable.Dispose()
    {
        Shutdown();
        _temp.Dispose();
    }

    /// <summary>A trainer whose trial command is <c>sh -c SCRIPT</c>; the script sees the usual
    /// arguments, so the attempt directory is <c>$6</c>.</summary>
    private IActorRef Trainer(string script, Func<TrainerSettings, TrainerSettings>? adjust = null)
    {
        var settings = new TrainerSettings("node-a", 1, ["/bin/sh", "-c", script, "sh"], _temp.File("artifacts"), 1);
        settings = adjust?.Invoke(settings) ?? settings;
        var trainer = Sys.ActorOf(GpuTrainer.Props(_coordinator.Ref, Sys.ActorOf(CheckpointLoader.Props()),
            Sys.ActorOf(BasisExtractorActor.Props(settings.Artifacts)), Sys.ActorOf(Evaluator.Props()), settings, 0));
        _coordinator.ExpectMsg<RequestTrial>(Wait);
        return trainer;
    }

    private static TrialPlan Plan(string baseModel, double timeoutSeconds = 60) => Plans.Trial("t1") with
    {
        Spec = Plans.Trial("t1").Spec with { BaseModel = baseModel },
        Metrics = ["rouge", "sacrebleu"],
        TimeoutSeconds = timeoutSeconds,
    };

    private T Expect<T>() => _coordinator.FishForMessage<T>(m => m is T, Wait);

    private string AttemptDir => Path.Combine(_temp.File("artifacts"), "trials", "t1", "attempt-1");

    private string WriteResultJson()
    {
        var result = new TrialResult
        {
            Method = "lora", Rank = 4, TrainableParameters = 3072, TotalParameters = 100_000, Steps = 2, TrainLossFirst = 3,
            TrainLossFinal = 2.5, EvalLossBase = 3.1, EvalLossAfter = 2.75, TrainSeconds = 1, WallSeconds = 2, TokensPerSecond = 100,
            OutputDir = "x", ModelDir = "x", Predictions = "x",
        };
        var path = _temp.File("result.json");
        File.WriteAllText(path, JsonSerializer.Serialize(result));
        return path;
    }

    [Fact]
    public void A_successful_attempt_streams_progress_is_scored_and_the_trainer_asks_for_more()
    {
        var result = WriteResultJson();
        var trainer = Trainer($$"""
            echo '@cora-progress {"stage":"training lora","step":2,"total_steps":2,"loss":2.5}'
            printf '%s\n' '{"id":"a","prediction":"the cat sat","reference":"the cat sat"}' '{"id":"b","prediction":"","reference":"a dog"}' > "$6/predictions.jsonl"
            cp '{{result}}' "$6/result.json"
            """);
        trainer.Tell(new RunTrial(Plan(Fixtures.Llama("mha-tiny")), 1), _coordinator.Ref);

        var progress = _coordinator.FishForMessage<TrialProgressed>(m => m is TrialProgressed { Step: 2 }, Wait);
        Assert.Equal((2.5, "training lora"), (progress.Loss, progress.Stage));
        var done = Expect<TrialCompleted>();
        Assert.Equal(("t1", 1, AttemptDir), (done.TrialId, done.Attempt, done.OutputDir));
        Assert.Equal(0.5, done.Metrics["rouge1"].GetDouble(), 12);
        Assert.Equal(2.75, done.Metrics["eval_loss"].GetDouble());
        Assert.True(done.Metrics.ContainsKey("bleu"));
        Assert.True(File.Exists(Path.Combine(AttemptDir, GpuTrainer.MetricsFileName)));
        Assert.Contains("\"base\"", File.ReadAllText(Path.Combine(AttemptDir, GpuTrainer.SpecFileName)));
        _coordinator.ExpectMsg<RequestTrial>(Wait);
    }

    [Fact]
    public void A_crashing_trial_fails_only_its_attempt_with_the_signal_and_last_output_in_the_reason()
    {
        var trainer = Trainer("echo 'loading weights' >&2; kill -SEGV $$");
        trainer.Tell(new RunTrial(Plan(Fixtures.Llama("mha-tiny")), 1), _coordinator.Ref);
        var failed = Expect<TrialFailed>();
        Assert.False(failed.Deterministic);
        Assert.Contains("SIGSEGV", failed.Reason);
        Assert.Contains("loading weights", failed.Reason);
        Assert.Contains("loading weights", File.ReadAllText(Path.Combine(AttemptDir, GpuTrainer.LogFileName)));
        _coordinator.ExpectMsg<RequestTrial>(Wait);
    }

    [Fact]
    public void Bad_input_is_a_deterministic_failure()
    {
        var trainer = Trainer("echo 'cora: rank must be at least 1' >&2; exit 65");
        trainer.Tell(new RunTrial(Plan(Fixtures.Llama("mha-tiny")), 1), _coordinator.Ref);
        var failed = Expect<TrialFailed>();
        Assert.True(failed.Deterministic);
        Assert.Equal("invalid input (exit code 65): cora: rank must be at least 1", failed.Reason);
    }

    [Fact]
    public void A_hanging_trial_is_killed_at_its_timeout()
    {
        var trainer = Trainer("echo $$ > \"$6/pid\"; exec sleep 600");
        trainer.Tell(new RunTrial(Plan(Fixtures.Llama("mha-tiny"), timeoutSeconds: 1), 1), _coordinator.Ref);
        var failed = Expect<TrialFailed>();
        Assert.Contains("timed out after 00:00:01", failed.Reason);
        Assert.False(failed.Deterministic);
        Assert.False(IsAlive(int.Parse(File.ReadAllText(Path.Combine(AttemptDir, "pid")))));
    }

    [Fact]
    public void Cancelling_an_attempt_kills_its_process_and_frees_the_slot()
    {
        var (trainer, pid) = StartSleepingTrial();

        trainer.Tell(new CancelTrial("t1", 1, "attempt 2 already succeeded"));
        _coordinator.FishForMessage<RequestTrial>(m => m is RequestTrial, Wait);
        AwaitCondition(() => !IsAlive(pid), Wait);
    }

    [Fact]
    public void Stopping_the_trainer_kills_its_trial_process()
    {
        var (trainer, pid) = StartSleepingTrial();

        Sys.Stop(trainer);
        AwaitCondition(() => !IsAlive(pid), Wait);
    }

    [Fact]
    public void A_corrupt_checkpoint_fails_its_trial_deterministically_naming_the_file()
    {
        var broken = Directory.CreateDirectory(_temp.File("broken")).FullName;
        File.Copy(Path.Combine(Fixtures.Llama("mha-tiny"), "config.json"), Path.Combine(broken, "config.json"));
        File.WriteAllBytes(Path.Combine(broken, "model.safetensors"), [1, 2, 3]);
        var trainer = Trainer("exit 0");
        trainer.Tell(new RunTrial(Plan(broken), 1), _coordinator.Ref);
        var failed = Expect<TrialFailed>();
        Assert.True(failed.Deterministic);
        Assert.Contains("checkpoint check failed", failed.Reason);
        Assert.Contains(broken, failed.Reason);
    }

    [Fact]
    public void An_artifact_store_this_node_cannot_write_fails_the_attempt_naming_the_path_and_it_may_be_retried()
    {
        File.WriteAllText(_temp.File("artifacts"), "a file where the store's directory should be");
        var trainer = Trainer("exit 0");
        trainer.Tell(new RunTrial(Plan(Fixtures.Llama("mha-tiny")), 1), _coordinator.Ref);
        var failed = Expect<TrialFailed>();
        Assert.False(failed.Deterministic);
        Assert.True(failed.NodeFault);
        Assert.Contains("cannot write the artifact store on node-a", failed.Reason);
        Assert.Contains(AttemptDir, failed.Reason);
        _coordinator.ExpectMsg<RequestTrial>(Wait);
    }

    [Fact]
    public void A_checkpoint_missing_on_this_node_is_a_node_fault_resent_until_acknowledged_and_repeated_faults_quarantine_the_slot_until_its_check_passes()
    {
        var mount = _temp.File("mount");
        var missing = Path.Combine(mount, "base");
        var data = _temp.File("data.jsonl");
        File.WriteAllText(data, "");
        var plan = Plan(missing) with { Spec = Plan(missing).Spec with { TrainData = data, EvalData = data } };
        var trainer = Trainer("exit 0", s => s with { QuarantineAfter = 2, HeartbeatEvery = TimeSpan.FromMilliseconds(200), RecheckEvery = TimeSpan.FromMilliseconds(300) });
        trainer.Tell(new RunTrial(plan, 1), _coordinator.Ref);
        var failed = Expect<TrialFailed>();
        Assert.Equal((true, false), (failed.NodeFault, failed.Deterministic));
        Assert.Contains($"{missing}: no such directory on this node", failed.Reason);
        // Not acknowledged yet: the result comes again with the next heartbeat, and stops once it is.
        Assert.Equal(failed, Expect<TrialFailed>());
        trainer.Tell(new ResultRecorded("t1", 1), _coordinator.Ref);
        _coordinator.FishForMessage<RequestTrial>(m => m is RequestTrial, Wait);
        _coordinator.ReceiveWhile<object>(TimeSpan.FromMilliseconds(500), m => m);

        trainer.Tell(new RunTrial(plan, 2), _coordinator.Ref);
        Assert.True(Expect<TrialFailed>().NodeFault);
        var quarantined = Expect<TrainerQuarantined>();
        Assert.Equal(("node-a", 0), (quarantined.Node, quarantined.Slot));
        Assert.StartsWith("2 node faults in a row; the last: checkpoint check failed", quarantined.Reason);
        trainer.Tell(new ResultRecorded("t1", 2), _coordinator.Ref);
        // Quarantined: it re-checks and says so, but asks for no work.
        var meanwhile = _coordinator.ReceiveWhile<object>(TimeSpan.FromSeconds(1.5), m => m);
        Assert.DoesNotContain(meanwhile, m => m is RequestTrial);
        Assert.Contains(meanwhile, m => m is TrainerQuarantined q && q.Reason.Contains($"the re-check: {missing}: no such directory", StringComparison.Ordinal));
        trainer.Tell(new RunTrial(plan, 3), _coordinator.Ref);
        Assert.Equal(("t1", 3), (Expect<TrialDeclined>().TrialId, 3));

        // The mount comes back: the check passes and the slot pulls work again.
        Directory.CreateDirectory(mount);
        CopyDirectory(Fixtures.Llama("mha-tiny"), missing);
        _coordinator.FishForMessage<RequestTrial>(m => m is RequestTrial, Wait);
    }

    [Fact]
    public void A_trial_process_killed_by_sigkill_is_a_node_fault()
    {
        var trainer = Trainer("echo 'allocating' >&2; kill -KILL $$");
        trainer.Tell(new RunTrial(Plan(Fixtures.Llama("mha-tiny")), 1), _coordinator.Ref);
        var failed = Expect<TrialFailed>();
        Assert.Equal((true, false), (failed.NodeFault, failed.Deterministic));
        Assert.Contains("SIGKILL — the OOM killer?", failed.Reason);
    }

    [Fact]
    public void A_busy_slot_renews_its_lease_with_heartbeats()
    {
        var trainer = Trainer("exec sleep 600", s => s with { HeartbeatEvery = TimeSpan.FromMilliseconds(200) });
        trainer.Tell(new RunTrial(Plan(Fixtures.Llama("mha-tiny")), 1), _coordinator.Ref);
        var alive = Expect<AttemptAlive>();
        Assert.Equal(("t1", 1, "node-a", 0), (alive.TrialId, alive.Attempt, alive.Node, alive.Slot));
        Assert.Equal(alive.Incarnation, Expect<AttemptAlive>().Incarnation);
        Sys.Stop(trainer);
    }

    [Fact]
    public void A_checkpoint_check_that_hangs_past_its_deadline_is_a_node_fault()
    {
        // config.json is a FIFO nobody writes: reading it blocks, as a hung mount does.
        var hung = Directory.CreateDirectory(_temp.File("hung")).FullName;
        var fifo = Path.Combine(hung, "config.json");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo])) mkfifo.WaitForExit();
        var trainer = Trainer("exit 0", s => s with { CheckDeadline = TimeSpan.FromSeconds(1) });
        trainer.Tell(new RunTrial(Plan(hung), 1), _coordinator.Ref);
        var failed = Expect<TrialFailed>();
        Assert.True(failed.NodeFault);
        Assert.Contains("checking checkpoints passed its deadline of 00:00:01 on node-a", failed.Reason);
        // Let the blocked reader go (EOF), so the actor system can stop.
        File.WriteAllText(fifo, "");
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
    }

    /// <summary>A trainer running a trial process that sleeps; returns the process id.</summary>
    private (IActorRef Trainer, int Pid) StartSleepingTrial()
    {
        var trainer = Trainer("echo $$ > \"$6/pid\"; exec sleep 600");
        trainer.Tell(new RunTrial(Plan(Fixtures.Llama("mha-tiny")), 1), _coordinator.Ref);
        var pidFile = Path.Combine(AttemptDir, "pid");
        AwaitCondition(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, Wait);
        return (trainer, int.Parse(File.ReadAllText(pidFile)));
    }

    /// <summary>Alive and not a zombie (a reaped process has no /proc entry).</summary>
    private static bool IsAlive(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] != "Z";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
