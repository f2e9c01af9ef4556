using System.Text.Json.Nodes;
using Cora.Cluster.Commands;
using Cora.Training.Lora;
using Cora.Training.Model;
using static TorchSharp.torch;

namespace Cora.Cluster.Tests.Commands;

[Collection(MicroZooGroup.Name)]
public sealed class ModelCommandsTests(MicroZoo zoo)
{
    [Fact]
    public void Inspect_describes_a_sharded_bf16_gqa_checkpoint()
    {
        var run = Cli.Invoke("model", "inspect", Fixtures.Llama("gqa-sharded"), "--json");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var json = JsonNode.Parse(run.Stdout)!;
        Assert.Equal(6, (int)json["config"]!["num_attention_heads"]!);
        Assert.Equal(2, (int)json["config"]!["num_key_value_heads"]!);
        Assert.Equal(1 + 3 * 9 + 1, (int)json["dtypes"]!["BF16"]!);
        Assert.Equal(2, json["shards"]!.AsArray().Count);
        // 80*48 embeddings + 3 layers * (48*48 + 2*16*48 + 48*48 + 3*96*48 + 2*48) + 48; tied: no lm_head.
        Assert.Equal(80 * 48 + 3 * (48 * 48 * 2 + 2 * 16 * 48 + 3 * 96 * 48 + 2 * 48) + 48, (long)json["parameters"]!);
        Assert.Empty(json["problems"]!.AsArray());
    }

    [Fact]
    public void Inspect_in_words()
    {
        var run = Cli.Invoke("model", "inspect", Fixtures.Llama("mha-tiny"));
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("multi-head: 4 heads, head_dim 8", run.Stdout);
        Assert.Contains("F32 x 21", run.Stdout);
        Assert.Contains("complete", run.Stdout);
    }

    [Fact]
    public void Inspect_a_missing_directory()
    {
        var run = Cli.Invoke("model", "inspect", "/no/such/model");
        Assert.Equal(ExitCodes.NoInput, run.ExitCode);
        Assert.Contains("/no/such/model", run.Stderr);
    }

    [Fact]
    public void Score_token_ids_matches_the_reference_sum()
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Llama(""), "expected.json")))!["models"]!["mha-tiny"]!["cases"]![1]!;
        var ids = string.Join(",", expected["token_ids"]!.AsArray().Select(n => (int)n!));
        var run = Cli.Invoke("model", "score", "--model", Fixtures.Llama("mha-tiny"), "--token-ids", ids, "--json");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var json = JsonNode.Parse(run.Stdout)!;
        var logprobs = json["logprobs"]!.AsArray();
        Assert.Null(logprobs[0]);
        Assert.Equal(expected["token_ids"]!.AsArray().Count, logprobs.Count);
        Assert.Equal((double)expected["sum"]!, (double)json["sum"]!, 3);
        Assert.Equal(Math.Exp(-(double)json["sum"]! / (logprobs.Count - 1)), (double)json["perplexity"]!, 9);
        Assert.Equal((double)expected["logprobs"]![0]!, (double)logprobs[1]!, 3);
    }

    [Fact]
    public void Score_text_uses_the_checkpoint_tokenizer()
    {
        var run = Cli.Invoke("model", "score", "--model", Path.Combine(zoo.Directory, "base"), "--text", "Hi!", "--json");
        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var json = JsonNode.Parse(run.Stdout)!;
        // Byte-level: BOS, 'H', 'i', '!'.
        Assert.Equal([1, 3 + 'H', 3 + 'i', 3 + '!'], json["tokens"]!.AsArray().Select(n => (int)n!));
        Assert.True((double)json["sum"]! < 0);
    }

    /// <summary>An adapter that changes the model's outputs (B = ones), saved in PEFT layout.</summary>
    private static void SaveOnesAdapter(string basePath, string directory)
    {
        using var model = LlamaCheckpoint.Load(basePath);
        var config = new LoraConfig { R = 4, LoraAlpha = 8 };
        LoraInjector.Inject(model, config, LoraMethod.OnesFb, seed: 1);
        PeftAdapter.Save(model, config, directory);
    }

    [Fact]
    public void Merge_writes_a_checkpoint_equal_to_base_plus_adapter_that_serves_as_a_basis_source()
    {
        using var temp = new TempDirectory();
        var basePath = Path.Combine(zoo.Directory, "base");
        SaveOnesAdapter(basePath, temp.File("adapter"));
        var run = Cli.Invoke("model", "merge", "--base", basePath, "--adapter", temp.File("adapter"), "--out", temp.File("merged"));
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        Assert.Contains("merged 6 adapted projections", run.Stdout);

        long[] ids = [1, 50, 60, 70, 80, 90];
        using var adapted = PeftAdapter.LoadModel(basePath, temp.File("adapter"));
        using var merged = LlamaCheckpoint.Load(temp.File("merged"));
        using var expected = adapted.TokenLogProbs(tensor(ids));
        using var actual = merged.TokenLogProbs(tensor(ids));
        Assert.True((expected - actual).abs().max().item<float>() < 1e-4);
        Assert.True(File.Exists(temp.File("merged/tokenizer.json")));

        var basis = Cli.Invoke("basis", "extract", "--sources", $"{temp.File("merged")},{Path.Combine(zoo.Directory, "sources/src-0")}",
            "--max-rank", "4", "--out", temp.File("basis.safetensors"));
        Assert.True(basis.ExitCode == ExitCodes.Ok, basis.Stderr);
    }

    [Fact]
    public void Score_applies_an_adapter()
    {
        using var temp = new TempDirectory();
        var basePath = Path.Combine(zoo.Directory, "base");
        SaveOnesAdapter(basePath, temp.Path);
        long[] ids = [1, 40, 41, 42, 43];
        var plain = JsonNode.Parse(Cli.Invoke("model", "score", "--model", basePath, "--token-ids", "1,40,41,42,43", "--json").Stdout)!;
        var run = Cli.Invoke("model", "score", "--model", basePath, "--adapter", temp.Path, "--token-ids", "1,40,41,42,43", "--json");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        var adapted = JsonNode.Parse(run.Stdout)!;
        Assert.NotEqual((double)plain["sum"]!, (double)adapted["sum"]!, 3);

        using var reference = PeftAdapter.LoadModel(basePath, temp.Path);
        using var logprobs = reference.TokenLogProbs(tensor(ids));
        Assert.Equal(logprobs.sum().item<float>(), (double)adapted["sum"]!, 4);
    }

    [Theory]
    [InlineData("--token-ids", "1,x,3", ExitCodes.DataError, "\"x\" is not an integer token id")]
    [InlineData("--token-ids", "1,64", ExitCodes.DataError, "token id 64 is outside the vocabulary")]
    public void Score_rejects_bad_ids(string option, string value, int code, string message)
    {
        var run = Cli.Invoke("model", "score", "--model", Fixtures.Llama("mha-tiny"), option, value);
        Assert.Equal(code, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public void Score_a_missing_directory()
    {
        var run = Cli.Invoke("model", "score", "--model", "/no/such/model", "--token-ids", "1,2");
        Assert.Equal(ExitCodes.NoInput, run.ExitCode);
        Assert.Contains("/no/such/model: no such checkpoint directory", run.Stderr);
    }

    [Fact]
    public void Score_needs_exactly_one_input()
    {
        Assert.Equal(ExitCodes.Usage, Cli.Invoke("model", "score", "--model", Fixtures.Llama("mha-tiny")).ExitCode);
        var both = Cli.Invoke("model", "score", "--model", Fixtures.Llama("mha-tiny"), "--text", "a", "--token-ids", "1");
        Assert.Equal(ExitCodes.Usage, both.ExitCode);
        Assert.Contains("exactly one of --text and --token-ids", both.Stderr);
    }
}
