using System.CommandLine;
using Cora.Training;
using Cora.Training.Zoo;

namespace Cora.Cluster.Commands;

/// <summary><c>cora zoo make --out DIR [--preset micro|tiny] [--sources 5] [--seed 0] [--json]</c></summary>
public static class ZooMakeCommand
{
    public static Command Create()
    {
        var outDir = new Option<string>("--out") { Description = "Directory to write the zoo to", Required = true };
        var preset = new Option<string>("--preset") { Description = "micro (tests, < 1 min) or tiny (demos, a few minutes)", DefaultValueFactory = _ => "micro" };
        preset.AcceptOnlyFromAmong([.. ZooPreset.Names]);
        var sources = new Option<int>("--sources") { Description = "Number of source models (one source task each)", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed for data, initialisation and training order", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Print zoo.json instead of a summary" };

        var command = new Command("make", "Make the tiny model zoo: a pretrained base, fine-tuned source models, datasets")
        {
            outDir, preset, sources, seed, json,
        };
        command.SetAction((parse, cancellation) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var progress = ConsoleProgress.ForStderr(parse.InvocationConfiguration.Error);
            var options = new ZooOptions(parse.GetValue(outDir)!, parse.GetValue(preset)!, parse.GetValue(sources), parse.GetValue(seed));
            var reporter = new SyncProgress<ZooProgress>(p => progress.Report(
                $"[{p.StageIndex}/{p.StageCount}] {p.Stage}",
                p.Training is { } t ? $"step {t.Step}/{t.TotalSteps} loss {t.Loss:F3} lr {t.LearningRate:G3} {t.TokensPerSecond / 1000:F1}k tok/s" : null,
                final: p.Training is { } f && f.Step == f.TotalSteps));

            var (manifest, made) = ZooMaker.Make(options, reporter, cancellation);
            progress.Done();
            if (parse.GetValue(json))
                output.WriteLine(File.ReadAllText(Path.Combine(options.Directory, ZooManifest.FileName)).TrimEnd());
            else
                WriteSummary(output, options.Directory, manifest, made);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static void WriteSummary(TextWriter output, string directory, ZooManifest manifest, bool made)
    {
        output.WriteLine(made
            ? $"Zoo written to {directory} in {manifest.ElapsedSeconds:F1}s ({manifest.Preset}, seed {manifest.Seed}, {manifest.Parameters:N0} parameters per model)."
            : $"Zoo at {directory} is complete ({manifest.Preset}, seed {manifest.Seed}); nothing to do.");
        output.WriteLine($"  base        mixture of {manifest.Datasets.Count} tasks, {manifest.Base.Steps} steps");
        foreach (var source in manifest.Sources)
        {
            var before = source.EvalLossBefore[source.Task];
            var after = source.EvalLossAfter[source.Task];
            output.WriteLine($"  {source.Name,-10}  {source.Task,-16} eval loss {before:F3} -> {after:F3}");
        }
        output.WriteLine($"  datasets    {string.Join(", ", manifest.Datasets.Select(d => $"{d.Name} ({d.Role})"))}");
    }
}
