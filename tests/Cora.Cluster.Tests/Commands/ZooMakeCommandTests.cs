using System.Text.Json.Nodes;
using Cora.Cluster.Commands;
using Cora.Training.Data;
using Cora.Training.Model;
using Cora.Training.FineTuning;

namespace Cora.Cluster.Tests.Commands;

[Collection(MicroZooGroup.Name)]
public sealed class ZooMakeCommandTests(MicroZoo zoo)
{
    [Fact]
    public void Micro_zoo_has_the_documented_layout()
    {
        Assert.True(zoo.First.ExitCode == ExitCodes.Ok, zoo.First.Stderr);
        var manifest = Assert.IsType<Cora.Training.Zoo.ZooManifest>(zoo.Manifest);
        Assert.Equal(5, manifest.Sources.Count);
        foreach (var model in new[] { "base" }.Concat(Enumerable.Range(0, 5).Select(i => $"sources/src-{i}")))
        {
            var dir = Path.Combine(zoo.Directory, model);
            foreach (var file in new[] { "config.json", "model.safetensors", "tokenizer.json", "training_args.json" })
                Assert.True(File.Exists(Path.Combine(dir, file)), $"{model}/{file}");
            var config = LlamaConfig.Load(Path.Combine(dir, "config.json"));
            Assert.False(config.IsGroupedQuery);                 // q/k/v square, as in Llama-2-13B
            Assert.Equal(config.HiddenSize, config.NumAttentionHeads * config.HeadDim);
        }
        Assert.Equal(7, manifest.Datasets.Count);
        Assert.Equal(["alpaca", "code"], manifest.Datasets.Where(d => d.Role == "target").Select(d => d.Name));
        foreach (var dataset in manifest.Datasets)
        {
            Assert.Equal(dataset.TrainExamples, AlpacaDataset.Load(Path.Combine(zoo.Directory, dataset.Train)).Count);
            Assert.Equal(dataset.EvalExamples, AlpacaDataset.Load(Path.Combine(zoo.Directory, dataset.Eval)).Count);
        }
        Assert.Empty(manifest.Problems(zoo.Directory));
        // Each model records the hyper-parameters that made it; sources are seeded apart.
        Assert.Equal(manifest.Base.Steps, TrainingArgs.Load(Path.Combine(zoo.Directory, "base")).MaxSteps);
        Assert.Equal(2, TrainingArgs.Load(Path.Combine(zoo.Directory, "sources/src-1")).Seed);
    }

    [Fact]
    public void Fine_tuning_helps_each_source_on_its_own_task()
    {
        var manifest = zoo.Manifest!;
        Assert.Equal(5, manifest.Sources.Select(s => s.Task).Distinct().Count());
        foreach (var source in manifest.Sources)
        {
            var before = source.EvalLossBefore[source.Task];
            var after = source.EvalLossAfter[source.Task];
            Assert.True(after < 0.9 * before, $"{source.Name} on {source.Task}: eval loss {before} -> {after}");
        }
        // The base learned something from pretraining too.
        foreach (var (task, loss) in manifest.Base.EvalLossAfter)
            Assert.True(loss < manifest.Base.EvalLossBefore[task], $"base on {task}");
    }

    [Fact]
    public void Sources_differ_from_the_base_and_from_each_other()
    {
        var hashes = zoo.Manifest!.Sources.Select(s => s.Sha256).Append(zoo.Manifest.Base.Sha256).ToList();
        Assert.Equal(hashes.Count, hashes.Distinct().Count());
    }

    [Fact]
    public void Making_it_again_does_nothing()
    {
        var weights = Path.Combine(zoo.Directory, "sources/src-0/model.safetensors");
        var written = File.GetLastWriteTimeUtc(weights);
        var again = Cli.Invoke("zoo", "make", "--preset", "micro", "--out", zoo.Directory, "--seed", "0");
        Assert.Equal(ExitCodes.Ok, again.ExitCode);
        Assert.Contains("nothing to do", again.Stdout);
        Assert.Equal(written, File.GetLastWriteTimeUtc(weights));
    }

    [Fact]
    public void Other_arguments_on_an_existing_zoo_are_refused()
    {
        var other = Cli.Invoke("zoo", "make", "--preset", "micro", "--out", zoo.Directory, "--seed", "1");
        Assert.Equal(ExitCodes.DataError, other.ExitCode);
        Assert.Contains("holds a zoo made with --preset micro --sources 5 --seed 0", other.Stderr);
    }

    [Fact]
    public void Json_output_is_the_manifest()
    {
        var run = Cli.Invoke("zoo", "make", "--preset", "micro", "--out", zoo.Directory, "--json");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var json = JsonNode.Parse(run.Stdout)!;
        Assert.Equal("micro", (string)json["preset"]!);
        Assert.Equal(5, json["sources"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("--preset", "huge")]
    [InlineData("--sources", "six")]
    public void Bad_arguments_are_usage_errors(string option, string value)
    {
        var run = Cli.Invoke("zoo", "make", "--out", "/tmp/never-made", option, value);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.False(Directory.Exists("/tmp/never-made"));
    }

    [Fact]
    public void Too_many_sources_is_a_data_error()
    {
        var run = Cli.Invoke("zoo", "make", "--out", "/tmp/never-made", "--sources", "6");
        Assert.Equal(ExitCodes.DataError, run.ExitCode);
        Assert.Contains("--sources must be between 1 and 5", run.Stderr);
    }
}
