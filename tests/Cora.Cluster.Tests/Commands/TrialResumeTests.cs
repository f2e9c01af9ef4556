using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Cora.Actors.Trainer;
using Cora.Cluster.Commands;
using Cora.Training.FineTuning;
using Cora.Training.Trials;

namespace Cora.Cluster.Tests.Commands;

/// <summary>
/// A trial attempt killed with SIGKILL mid-training: the next attempt of the trial (the same
/// checkpoint directory, as a trainer node passes it) starts at the newest checkpoint, and its
/// adapter is bitwise the adapter of an uninterrupted run. Real `cora trial exec` processes.
/// </summary>
[Collection(MicroZooGroup.Name)]
public sealed class TrialResumeTests(MicroZoo zoo) : IDisposable
{
    private const int Steps = 160;
    private const int SaveSteps = 10;
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task A_trial_killed_mid_training_resumes_at_its_checkpoint_and_ends_bitwise_as_an_uninterrupted_run()
    {
        var spec = _temp.File("trial.json");
        File.WriteAllText(spec, JsonSerializer.Serialize(new TrialSpec
        {
            BaseModel = Path.Combine(zoo.Directory, "base"),
            TrainData = Path.Combine(zoo.Directory, "data/alpaca/train.jsonl"),
            EvalData = Path.Combine(zoo.Directory, "data/alpaca/eval.jsonl"),
            Method = "lora",
            Rank = 4,
            LoraAlpha = 8,
            LoraDropout = 0.1,   // dropout masks: the generator's state must come back too
            Training = new TrainingArgs { MaxSteps = Steps, SaveSteps = SaveSteps, BatchSize = 2, GradientAccumulationSteps = 2, LearningRate = 3e-3, WarmupSteps = 5 },
            MaxNewTokens = 4,
            GenerationLimit = 1,
            Seed = 3,
        }));
        var checkpoints = _temp.File("trial/checkpoints");

        // Attempt 1: killed once it has trained past its second checkpoint.
        var first = Start(spec, _temp.File("trial/attempt-1"), checkpoints);
        await first.Reached(2 * SaveSteps + 1);
        first.Process.Kill();
        await first.Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.False(File.Exists(_temp.File("trial/attempt-1/result.json")));
        var saved = Directory.GetDirectories(checkpoints, "step-*").Select(d => int.Parse(Path.GetFileName(d)["step-".Length..], System.Globalization.CultureInfo.InvariantCulture)).Single();
        Assert.True(saved >= 2 * SaveSteps && saved < Steps && saved % SaveSteps == 0, $"checkpoint at step {saved}");

        // Attempt 2: starts after that step, and the trial's checkpoints go once it has succeeded.
        var second = Start(spec, _temp.File("trial/attempt-2"), checkpoints);
        Assert.Equal(0, await second.ExitAsync());
        Assert.Equal(saved + 1, second.Steps[0]);
        Assert.False(Directory.Exists(checkpoints));
        var resumed = Result("trial/attempt-2");
        Assert.Equal(saved, resumed["resumed_from_step"]!.GetValue<int>());

        // An uninterrupted run of the same trial.
        var whole = Start(spec, _temp.File("whole/attempt-1"), _temp.File("whole/checkpoints"));
        Assert.Equal(0, await whole.ExitAsync());
        Assert.Equal(1, whole.Steps[0]);
        var uninterrupted = Result("whole/attempt-1");
        Assert.Null(uninterrupted["resumed_from_step"]);

        Assert.Equal(uninterrupted["train_losses"]!.ToJsonString(), resumed["train_losses"]!.ToJsonString());
        Assert.Equal(File.ReadAllBytes(_temp.File("whole/attempt-1/adapter/adapter_model.safetensors")),
            File.ReadAllBytes(_temp.File("trial/attempt-2/adapter/adapter_model.safetensors")));
        Assert.Equal(File.ReadAllText(_temp.File("whole/attempt-1/predictions.jsonl")), File.ReadAllText(_temp.File("trial/attempt-2/predictions.jsonl")));
    }

    private JsonNode Result(string attempt) => JsonNode.Parse(File.ReadAllText(_temp.File($"{attempt}/result.json")))!;

    private static Attempt Start(string spec, string output, string checkpoints)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "cora.dll"), "trial", "exec", "--spec", spec, "--out", output, "--checkpoints", checkpoints })
            start.ArgumentList.Add(arg);
        var attempt = new Attempt(Process.Start(start)!);
        attempt.Process.OutputDataReceived += (_, e) => attempt.Line(e.Data);
        attempt.Process.ErrorDataReceived += (_, e) => attempt.Line(e.Data);
        attempt.Process.BeginOutputReadLine();
        attempt.Process.BeginErrorReadLine();
        return attempt;
    }

    /// <summary>A `cora trial exec` process and the training steps it has reported.</summary>
    private sealed class Attempt(Process process)
    {
        private readonly List<(int Step, TaskCompletionSource Reached)> _waiting = [];
        private readonly System.Text.StringBuilder _output = new();

        public Process Process { get; } = process;
        public List<int> Steps { get; } = [];

        public void Line(string? line)
        {
            if (line is null) return;
            lock (_output)
            {
                _output.AppendLine(line);
                if (TrialProgressLine.TryParse(line) is not { Step: { } step } progress || !progress.Stage.StartsWith("training", StringComparison.Ordinal)) return;
                Steps.Add(step);
                foreach (var (wanted, reached) in _waiting.Where(w => step >= w.Step)) reached.TrySetResult();
            }
        }

        /// <summary>Waits until the attempt reports step <paramref name="step"/> (or later).</summary>
        public Task Reached(int step)
        {
            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_output)
            {
                if (Steps.Any(s => s >= step)) return Task.CompletedTask;
                _waiting.Add((step, reached));
            }
            return reached.Task.WaitAsync(TimeSpan.FromMinutes(3));
        }

        public async Task<int> ExitAsync()
        {
            await Process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(5));
            if (Process.ExitCode != 0)
            {
                lock (_output) Assert.Fail($"cora trial exec exited {Process.ExitCode}:\n{_output}");
            }
            return Process.ExitCode;
        }
    }
}
