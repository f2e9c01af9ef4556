using System.Text.Json.Nodes;
using Cora.Cluster.Commands;
using Cora.Training.Data;

namespace Cora.Cluster.Tests.Commands;

[Collection(MicroZooGroup.Name)]
public sealed class GenerateCommandTests(MicroZoo zoo) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Writes_one_prediction_per_example_with_ids_and_references()
    {
        var data = Path.Combine(zoo.Directory, "data/code/eval.jsonl");
        var run = Cli.Invoke("generate", "--model", Path.Combine(zoo.Directory, "sources/src-0"), "--data", data,
            "--out", _temp.File("p.jsonl"), "--limit", "5", "--max-new-tokens", "12", "--batch-size", "2");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var examples = AlpacaDataset.Load(data).Take(5).ToList();
        var lines = File.ReadAllLines(_temp.File("p.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        Assert.Equal(examples.Select(e => e.Id), lines.Select(l => (string?)l["id"]));
        Assert.Equal(examples.Select(e => e.Output), lines.Select(l => (string?)l["reference"]));
        Assert.All(lines, l => Assert.Equal(["id", "prediction", "reference"], l.Select(p => p.Key)));
        // Byte-level model, 12 new tokens: at most 12 bytes of answer.
        Assert.All(lines, l => Assert.True(System.Text.Encoding.UTF8.GetByteCount((string)l["prediction"]!) <= 12));
    }

    [Fact]
    public void Bad_values_and_missing_files_are_named()
    {
        var model = Path.Combine(zoo.Directory, "base");
        var zero = Cli.Invoke("generate", "--model", model, "--data", "x.jsonl", "--out", _temp.File("p.jsonl"), "--batch-size", "0");
        Assert.Equal(ExitCodes.Usage, zero.ExitCode);
        Assert.Contains("--batch-size must be at least 1", zero.Stderr);
        var missing = Cli.Invoke("generate", "--model", model, "--data", _temp.File("none.jsonl"), "--out", _temp.File("p.jsonl"));
        Assert.Equal(ExitCodes.NoInput, missing.ExitCode);
        Assert.Contains("none.jsonl", missing.Stderr);
        Assert.False(File.Exists(_temp.File("p.jsonl")));
    }
}
