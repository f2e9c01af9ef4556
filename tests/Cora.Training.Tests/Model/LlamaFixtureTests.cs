using System.Text.Json.Nodes;
using Cora.Training.Checkpoints;
using Cora.Training.Model;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Model;

/// <summary>
/// The forward pass against per-token log-probabilities computed by an independent float64
/// PyTorch implementation of transformers' LlamaForCausalLM (shared/fixtures/llama/README.md).
/// </summary>
public sealed class LlamaFixtureTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static JsonObject Expected(string model) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(Fixtures.Llama(""), "expected.json")))!["models"]![model]!.AsObject();

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var model in new[] { "mha-tiny", "gqa-sharded" })
            for (var i = 0; i < Expected(model)["cases"]!.AsArray().Count; i++) data.Add(model, i);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Log_probabilities_match_the_reference(string name, int index) =>
        AssertMatchesReference(Fixtures.Llama(name), name, index);

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_transformers_5_config_scores_the_same(string name, int index)
    {
        // The fixture's weights beside the config.json transformers 5 writes for the same model: the
        // RoPE in rope_parameters (no top-level rope_theta or rope_scaling), dtype for torch_dtype.
        var source = Fixtures.Llama(name);
        var target = _temp.File(name);
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source).Where(f => Path.GetFileName(f) != LlamaCheckpoint.ConfigFileName))
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(source, LlamaCheckpoint.ConfigFileName)))!.AsObject();
        var theta = (double)config["rope_theta"]!;
        Assert.True(config.Remove("rope_theta") && config.Remove("rope_scaling"));
        config["rope_parameters"] = new JsonObject { ["rope_theta"] = theta, ["rope_type"] = "default" };
        config["dtype"] = config["torch_dtype"]!.DeepClone();
        config.Remove("torch_dtype");
        config["transformers_version"] = "5.0.0";
        File.WriteAllText(Path.Combine(target, LlamaCheckpoint.ConfigFileName), config.ToJsonString());

        Assert.Equal(LlamaConfig.Load(Path.Combine(source, LlamaCheckpoint.ConfigFileName)), LlamaConfig.Load(Path.Combine(target, LlamaCheckpoint.ConfigFileName)));
        AssertMatchesReference(target, name, index);
    }

    /// <summary>The checkpoint in <paramref name="directory"/> scores case <paramref name="index"/> of
    /// fixture <paramref name="name"/> as expected.json says, within the fixture's tolerance.</summary>
    private static void AssertMatchesReference(string directory, string name, int index)
    {
        var expected = Expected(name);
        var tolerance = expected["tolerance"]!;
        var testCase = expected["cases"]![index]!;
        var ids = testCase["token_ids"]!.AsArray().Select(n => (long)n!).ToArray();

        using var model = LlamaCheckpoint.Load(directory);
        using var logprobs = model.TokenLogProbs(tensor(ids));
        var actual = logprobs.data<float>().ToArray();
        var reference = testCase["logprobs"]!.AsArray().Select(n => (double)n!).ToArray();
        Assert.Equal(reference.Length, actual.Length);
        for (var t = 0; t < actual.Length; t++)
            Assert.True(Math.Abs(actual[t] - reference[t]) <= (double)tolerance["logprob_abs"]!, $"token {t + 1}: {actual[t]} vs {reference[t]}");
        Assert.True(Math.Abs(actual.Sum(x => (double)x) - (double)testCase["sum"]!) <= (double)tolerance["sum_abs"]!);

        using var _ = no_grad();
        using var logits = model.Forward(tensor(ids).view(1, -1));
        var last = logits[0, -1].data<float>().ToArray();
        var referenceLast = testCase["last_logits"]!.AsArray().Select(n => (double)n!).ToArray();
        Assert.Equal(referenceLast.Length, last.Length);
        for (var v = 0; v < last.Length; v++)
            Assert.True(Math.Abs(last[v] - referenceLast[v]) <= (double)tolerance["last_logits_abs"]!, $"logit {v}: {last[v]} vs {referenceLast[v]}");
    }

    [Theory]
    [InlineData("mha-tiny", null)]
    [InlineData("gqa-sharded", 40_000L)]
    public void Saved_checkpoint_reloads_to_the_same_model(string name, long? shardBytes)
    {
        // Stored as the fixture stores it (bf16 weights compute in float32 and narrow back exactly).
        using var model = LlamaCheckpoint.Load(Fixtures.Llama(name));
        var storeAs = model.Config.TorchDtype == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;
        var target = _temp.File(name);
        LlamaCheckpoint.Save(model, target, storeAs, maxShardBytes: shardBytes);
        Assert.Equal(shardBytes is null, File.Exists(Path.Combine(target, "model.safetensors")));
        using var reloaded = LlamaCheckpoint.Load(target);
        Assert.Equal(model.Config, reloaded.Config);
        foreach (var ((n, a), (_, b)) in model.named_parameters().Zip(reloaded.named_parameters()))
            Assert.True(a.equal(b).all().item<bool>(), n);
        using var weights = SafetensorsCheckpoint.Open(target);
        Assert.Equal(model.Config.TieWordEmbeddings, !weights.Contains("lm_head.weight"));
    }

    [Fact]
    public void By_default_a_model_is_stored_in_the_dtype_it_computes_in()
    {
        using var model = LlamaCheckpoint.Load(Fixtures.Llama("gqa-sharded"));
        var target = _temp.File("f32");
        LlamaCheckpoint.Save(model, target);
        Assert.Equal("float32", LlamaConfig.Load(Path.Combine(target, "config.json")).TorchDtype);
        using var weights = SafetensorsCheckpoint.Open(target);
        Assert.All(weights.Names, n => Assert.Equal("F32", weights.Entry(n).DType.Name));
    }

    [Fact]
    public void Loads_straight_into_a_bfloat16_placement()
    {
        // The stored bf16 values, kept as bf16: exactly the float32 model's weights, narrowed.
        using var wide = LlamaCheckpoint.Load(Fixtures.Llama("gqa-sharded"));
        using var narrow = LlamaCheckpoint.Load(Fixtures.Llama("gqa-sharded"), new Placement(CPU, ScalarType.BFloat16));
        foreach (var ((name, w), (_, n)) in wide.named_parameters().Zip(narrow.named_parameters()))
        {
            Assert.Equal(ScalarType.BFloat16, n.dtype);
            Assert.True(w.equal(n.to(ScalarType.Float32)).all().item<bool>(), name);
        }
        using var _ = no_grad();
        using var ids = tensor(new long[] { 1, 5, 9, 14, 3 }).view(1, -1);
        using var a = wide.Forward(ids);
        using var b = narrow.Forward(ids).to(ScalarType.Float32);
        Assert.True((a - b).abs().max().item<float>() < 0.05, "bf16 compute stays near float32");
    }

    [Fact]
    public void Bfloat16_weights_are_widened_exactly()
    {
        using var model = LlamaCheckpoint.Load(Fixtures.Llama("gqa-sharded"));
        Assert.Equal("bfloat16", model.Config.TorchDtype);
        // Every float32 weight must be representable in bfloat16: the low 16 bits are zero.
        foreach (var (name, p) in model.named_parameters())
            Assert.True(p.to(ScalarType.BFloat16).to(ScalarType.Float32).equal(p).all().item<bool>(), name);
    }

    [Fact]
    public void Wrong_shape_missing_and_unexpected_tensors_are_named()
    {
        var source = Fixtures.Llama("mha-tiny");
        using var weights = SafetensorsCheckpoint.Open(source);
        var config = LlamaConfig.Load(Path.Combine(source, "config.json"));

        var wider = LlamaCheckpoint.Verify(config with { IntermediateSize = 72 }, weights);
        Assert.Contains(wider, p => p.Contains("tensor model.layers.0.mlp.gate_proj.weight in model.safetensors has shape [64, 32], config.json implies [72, 32]"));

        var deeper = LlamaCheckpoint.Verify(config with { NumHiddenLayers = 3 }, weights);
        Assert.Contains(deeper, p => p.StartsWith("missing tensor model.layers.2.self_attn.q_proj.weight", StringComparison.Ordinal));

        var shallower = LlamaCheckpoint.Verify(config with { NumHiddenLayers = 1 }, weights);
        Assert.Contains(shallower, p => p.Contains("9 unexpected tensor(s): model.layers.1."));

        Assert.Empty(LlamaCheckpoint.Verify(config, weights));
    }

    [Fact]
    public void Load_reports_mismatches_with_the_directory()
    {
        var target = _temp.File("broken");
        Directory.CreateDirectory(target);
        File.Copy(Path.Combine(Fixtures.Llama("mha-tiny"), "model.safetensors"), Path.Combine(target, "model.safetensors"));
        (LlamaConfig.Load(Path.Combine(Fixtures.Llama("mha-tiny"), "config.json")) with { VocabSize = 65 })
            .Save(Path.Combine(target, "config.json"));
        var e = Assert.Throws<InvalidInputException>(() => LlamaCheckpoint.Load(target));
        Assert.StartsWith($"{target}: checkpoint does not match its config.json", e.Message);
        Assert.Contains("model.embed_tokens.weight", e.Message);
    }
}
