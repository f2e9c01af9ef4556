using System.Text.Json.Nodes;

namespace Cora.Cluster.Tests.Commands;

/// <summary>`cora train --dry-run`: the memory estimate from the base's config.json alone (no
/// weights in the directory), against the device's capacity where known; nothing is trained.</summary>
public sealed class TrainDryRunTests : IDisposable
{
    private readonly string _base = Directory.CreateTempSubdirectory("cora-dry-run-").FullName;

    public TrainDryRunTests() => File.WriteAllText(Path.Combine(_base, "config.json"), """
        {"model_type": "llama", "vocab_size": 16, "hidden_size": 8, "intermediate_size": 12, "num_hidden_layers": 2,
         "num_attention_heads": 2, "head_dim": 4}
        """);

    public void Dispose() => Directory.Delete(_base, recursive: true);

    private Cli.Run DryRun(string device, params string[] extra) => Cli.Invoke(
    [
        "train", "--dry-run", "--base", _base, "--data", "unread.jsonl", "--eval-data", "unread.jsonl", "--method", "lora",
        "--rank", "2", "--targets", "q_proj,v_proj", "--dropout", "0", "--batch-size", "2", "--max-seq-length", "3",
        "--device", device, "--out", Path.Combine(_base, "out"), .. extra,
    ]);

    [Fact]
    public void The_json_estimate_adds_up_and_nothing_is_trained()
    {
        var run = DryRun("cpu", "--json");
        Assert.Equal(0, run.ExitCode);
        var json = JsonNode.Parse(run.Stdout)!;
        // MemoryEstimateTests works these numbers out by hand for the same model and trial.
        Assert.Equal(14064L, json["total_bytes"]!.GetValue<long>());
        Assert.Equal(14064L, json["components"]!.AsObject().Sum(c => c.Value!.GetValue<long>()));
        Assert.True(json["capacity_bytes"]!.GetValue<long>() > 0);
        Assert.True(json["fits"]!.GetValue<bool>());
        Assert.False(Directory.Exists(Path.Combine(_base, "out")));
    }

    [Fact]
    public void The_table_says_when_the_capacity_is_unknown()
    {
        // No machine has a GPU 63: nvidia-smi (where there is one) cannot say, so the capacity is unknown.
        var run = DryRun("cuda:63");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("lora r=2 on cuda:63 (bfloat16), batch 2 × 3 tokens: 128 of 1,512 parameters train", run.Stdout);
        Assert.Matches(@"\n  total +0\.0 MiB\n", run.Stdout);
        Assert.Matches(@"\n  capacity +unknown  \(no nvidia-smi answer for this device, or a MIG slice; the trial is not checked\)", run.Stdout);
    }
}
