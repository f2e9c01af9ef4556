using System.CommandLine;
using System.Text.Json;
using Cora.Actors.Trainer;
using Cora.Cluster.Hosting;
using Cora.Training;
using Cora.Training.Trials;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora trial exec --spec FILE --out DIR [--checkpoints DIR]</c>: one trial attempt, run by a node's GpuTrainer as a
/// child process. Progress goes to stdout as <see cref="TrialProgressLine"/>s; the exit code
/// tells the trainer what happened (<see cref="ExitCodes"/>). The process ends itself when its
/// parent dies, so a killed node leaves no orphan training on.
/// </summary>
public static class TrialExecCommand
{
    public static Command Exec()
    {
        var spec = new Option<string>("--spec") { Description = "trial.json-style spec (written by the trainer)", Required = true };
        var output = new Option<string>("--out") { Description = "Directory for this attempt's artifacts", Required = true };
        var checkpoints = new Option<string?>("--checkpoints") { Description = "The trial's checkpoint directory, shared by its attempts: resume from the newest, save every save_steps" };
        var exec = new Command("exec", "Run one trial attempt (used by trainer nodes; progress as @cora-progress lines)") { spec, output, checkpoints };
        exec.SetAction((parse, cancellation) =>
        {
            ParentWatch.ExitWhenOrphaned();
            var path = parse.GetValue(spec)!;
            var trial = Read(path);
            var stdout = parse.InvocationConfiguration.Output;
            var progress = new SyncProgress<TrialProgress>(p =>
            {
                var line = p.Training is { } t
                    ? new TrialProgressLine(p.Stage, t.Step, t.TotalSteps, Math.Round(t.Loss, 5), Math.Round(t.TokensPerSecond, 1))
                    : new TrialProgressLine(p.Stage, p.Generated, p.ToGenerate);
                stdout.WriteLine(line.Format());
                stdout.Flush();
            });
            TrialRunner.Run(trial, parse.GetValue(output)!, progress, parse.GetValue(checkpoints), cancellation);
            return Task.FromResult(ExitCodes.Ok);
        });
        return exec;
    }

    private static TrialSpec Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file");
        try
        {
            return JsonSerializer.Deserialize<TrialSpec>(File.ReadAllText(path)) ?? throw new InvalidInputException($"{path}: empty spec");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not a valid trial spec ({e.Message})", e);
        }
    }
}
