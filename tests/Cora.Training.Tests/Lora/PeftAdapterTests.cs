using System.Text.Json.Nodes;
using Cora.Training.Checkpoints;
using Cora.Training.Lora;
using Cora.Training.Tests.Model;
using static Cora.Training.Tests.Lora.LoraTestModels;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Lora;

public sealed class PeftAdapterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string WeightsPath => _temp.File(PeftAdapter.WeightsFileName);
    private string ConfigPath => _temp.File(LoraConfig.FileName);

    [Fact]
    public void A_saved_adapter_loads_into_a_fresh_base_with_the_same_logits()
    {
        using var trained = Tiny();
        LoraInjector.Inject(trained, Config(), LoraMethod.CoraTb, seed: 1, SyntheticBasis());
        Train(trained);
        using var expected = Logits(trained);
        PeftAdapter.Save(trained, Config(), _temp.Path);

        using var fresh = Tiny();
        var config = PeftAdapter.Load(_temp.Path, fresh);
        using var actual = Logits(fresh);
        Assert.True(Same(expected, actual));
        Assert.Equal(4, config.R);
        Assert.Equal(8, config.LoraAlpha);
        Assert.Equal(0, ParameterCounts.Of(fresh).Trainable);
    }

    [Fact]
    public void Files_have_peft_names_metadata_and_config_keys()
    {
        using var model = Tiny();
        LoraInjector.Inject(model, Config(4, "q_proj", "v_proj"), LoraMethod.Lora, seed: 1);
        PeftAdapter.Save(model, Config(4, "q_proj", "v_proj") with { BaseModelNameOrPath = "zoo/base" }, _temp.Path);

        using (var file = SafetensorsFile.Open(WeightsPath))
        {
            Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, file.Metadata);
            var expected = new[] { 0, 1 }.SelectMany(l => new[] { "q_proj", "v_proj" }.SelectMany(p => new[] { "lora_A", "lora_B" }
                .Select(ab => $"base_model.model.model.layers.{l}.self_attn.{p}.{ab}.weight"))).Order(StringComparer.Ordinal);
            Assert.Equal(expected, file.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal));
            Assert.Equal([4, 32], file.Entry("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").Shape);
            Assert.Equal([32, 4], file.Entry("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight").Shape);
        }

        var json = JsonNode.Parse(File.ReadAllText(ConfigPath))!.AsObject();
        Assert.Equal(
        [
            "alpha_pattern", "auto_mapping", "base_model_name_or_path", "bias", "fan_in_fan_out", "inference_mode", "init_lora_weights",
            "layer_replication", "layers_pattern", "layers_to_transform", "loftq_config", "lora_alpha", "lora_dropout", "megatron_config",
            "megatron_core", "modules_to_save", "peft_type", "r", "rank_pattern", "revision", "target_modules", "task_type", "use_dora", "use_rslora",
        ], json.Select(p => p.Key));
        Assert.Equal("LORA", (string?)json["peft_type"]);
        Assert.Equal("CAUSAL_LM", (string?)json["task_type"]);
        Assert.True((bool)json["init_lora_weights"]!);
        Assert.Equal(4, (int)json["r"]!);
        Assert.Equal(8, (double)json["lora_alpha"]!);
        Assert.Equal("zoo/base", (string?)json["base_model_name_or_path"]);
        Assert.Equal(["q_proj", "v_proj"], json["target_modules"]!.AsArray().Select(n => (string)n!));
    }

    [Fact]
    public void The_same_seed_gives_the_same_adapter_bytes()
    {
        byte[] Saved(long seed, string name)
        {
            using var model = Tiny();
            LoraInjector.Inject(model, Config(), LoraMethod.RandomFb, seed);
            var dir = Path.Combine(_temp.Path, name);
            PeftAdapter.Save(model, Config(), dir);
            return File.ReadAllBytes(Path.Combine(dir, PeftAdapter.WeightsFileName));
        }
        Assert.Equal(Saved(3, "a"), Saved(3, "b"));
        Assert.NotEqual(Saved(3, "a"), Saved(4, "c"));
    }

    [Fact]
    public void A_pissa_adapter_is_saved_converted_for_the_original_base()
    {
        using var model = Tiny();
        LoraInjector.Inject(model, Config(), LoraMethod.Pissa, seed: 1);
        Train(model);
        using var expected = Logits(model);
        PeftAdapter.Save(model, Config(), _temp.Path);

        var json = JsonNode.Parse(File.ReadAllText(ConfigPath))!.AsObject();
        Assert.Equal(8, (int)json["r"]!);
        Assert.Equal(16, (double)json["lora_alpha"]!);
        Assert.True((bool)json["init_lora_weights"]!);

        using var original = Tiny();
        PeftAdapter.Load(_temp.Path, original);
        using var actual = Logits(original);
        LlamaForCausalLMTests.AssertClose(expected, actual, 1e-4);
    }

    [Fact]
    public void An_rslora_pissa_conversion_keeps_the_scaling()
    {
        using var model = Tiny();
        var config = Config() with { UseRslora = true };
        LoraInjector.Inject(model, config, LoraMethod.Pissa, seed: 1);
        PeftAdapter.Save(model, config, _temp.Path);
        var saved = LoraConfig.Load(_temp.Path);
        Assert.Equal(8, saved.R);
        Assert.Equal(config.Scaling, saved.Scaling, 12);
    }

    /// <summary>An adapter as PEFT's state dict names it (<c>.default.</c>), on v_proj of layer 1 only,
    /// with config keys Cora does not know.</summary>
    private (Tensor A, Tensor B) WriteForeignAdapter(string targets = "[\"v_proj\", \"q_proj\"]", string peftType = "LORA",
        bool dora = false, string tensorName = "model.layers.1.self_attn.v_proj", long[]? aShape = null, bool withB = true)
    {
        using var generator = new Generator(9);
        var a = randn(aShape ?? [2, 32], generator: generator);
        var b = randn([32, 2], generator: generator);
        var tensors = new List<(string, Tensor)> { ($"base_model.model.{tensorName}.lora_A.default.weight", a) };
        if (withB) tensors.Add(($"base_model.model.{tensorName}.lora_B.default.weight", b));
        SafetensorsWriter.Write(WeightsPath, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(ConfigPath, $$"""
            {"peft_type": "{{peftType}}", "r": 2, "lora_alpha": 6, "target_modules": {{targets}}, "use_dora": {{(dora ? "true" : "false")}},
             "peft_version": "0.19.1", "lora_bias": false, "task_type": "CAUSAL_LM", "init_lora_weights": "gaussian"}
            """);
        return (a, b);
    }

    [Fact]
    public void A_peft_adapter_cora_did_not_write_loads()
    {
        var (a, b) = WriteForeignAdapter();
        using var adapted = Tiny();
        var config = PeftAdapter.Load(_temp.Path, adapted);
        Assert.Single(LoraInjector.Adapters(adapted));
        Assert.Equal(3.0, config.Scaling);

        // The same update applied by hand to the base weight.
        using var manual = Tiny();
        using (no_grad())
        {
            var v = manual.named_parameters().First(p => p.name == "model.layers.1.self_attn.v_proj.weight").parameter;
            v.add_(b.matmul(a) * 3.0);
        }
        using var expected = Logits(manual);
        using var actual = Logits(adapted);
        LlamaForCausalLMTests.AssertClose(expected, actual, 1e-4);
        Assert.False(Same(expected, Logits(Tiny())), "the adapter must change the logits");
    }

    [Fact]
    public void A_non_lora_config_is_refused_by_name()
    {
        WriteForeignAdapter(peftType: "PREFIX_TUNING");
        var e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains(ConfigPath, e.Message);
        Assert.Contains("peft_type \"PREFIX_TUNING\"", e.Message);
    }

    [Fact]
    public void A_dora_adapter_is_refused()
    {
        WriteForeignAdapter(dora: true);
        Assert.Contains("DoRA", Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny())).Message);
    }

    [Fact]
    public void Unknown_target_modules_are_refused()
    {
        WriteForeignAdapter(targets: "[\"c_attn\"]");
        var e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains("target_modules", e.Message);
        Assert.Contains("c_attn", e.Message);

        WriteForeignAdapter(tensorName: "model.layers.0.self_attn.c_attn");
        e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains("unknown module self_attn.c_attn", e.Message);

        WriteForeignAdapter(targets: "[\"q_proj\"]");
        e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains("targets v_proj, which is not in target_modules", e.Message);
    }

    [Fact]
    public void Wrong_shapes_and_missing_halves_name_the_tensor_and_the_file()
    {
        WriteForeignAdapter(aShape: [2, 31]);
        var e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains(WeightsPath, e.Message);
        Assert.Contains("base_model.model.model.layers.1.self_attn.v_proj.lora_A.default.weight has shape [2, 31], expected [2, 32]", e.Message);

        WriteForeignAdapter(withB: false);
        e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains("model.layers.1.self_attn.v_proj has lora_A but no lora_B", e.Message);
    }

    [Fact]
    public void A_missing_config_or_weights_file_is_named()
    {
        var e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains(LoraConfig.FileName, e.Message);
        WriteForeignAdapter();
        File.Delete(WeightsPath);
        e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains(WeightsPath, e.Message);
    }

    [Theory]
    [InlineData("\"r\": 0", "r must be positive")]
    [InlineData("\"lora_dropout\": 1.5", "lora_dropout must be in [0, 1)")]
    [InlineData("\"bias\": \"all\"", "bias must be \\\"none\\\"")]
    [InlineData("\"rank_pattern\": {\"q_proj\": 8}", "rank_pattern is not supported")]
    [InlineData("\"init_lora_weights\": \"pissa\"", "init_lora_weights \"pissa\"")]
    public void Bad_config_values_name_the_key(string entry, string message)
    {
        WriteForeignAdapter();
        var text = File.ReadAllText(ConfigPath);
        var key = entry[..(entry.IndexOf(':') + 1)];
        var node = JsonNode.Parse(text)!.AsObject();
        node.Remove(key.Trim('"', ':'));
        File.WriteAllText(ConfigPath, node.ToJsonString().TrimEnd('}') + ", " + entry + "}");
        var e = Assert.Throws<InvalidInputException>(() => PeftAdapter.Load(_temp.Path, Tiny()));
        Assert.Contains(message.Replace("\\\"", "\"", StringComparison.Ordinal), e.Message);
    }

    [Fact]
    public void Saving_a_model_without_adapters_is_refused()
    {
        using var model = Tiny();
        Assert.Throws<InvalidOperationException>(() => PeftAdapter.Save(model, Config(), _temp.Path));
    }
}
