using System.Text.Json.Nodes;
using Cora.Training.Model;

namespace Cora.Training.Tests.Model;

public sealed class LlamaConfigTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    internal const string Valid = """
        {"vocab_size": 80, "hidden_size": 48, "intermediate_size": 96, "num_hidden_layers": 3,
         "num_attention_heads": 6, "num_key_value_heads": 2, "model_type": "llama"}
        """;

    private static JsonObject With(string key, JsonNode? value)
    {
        var json = JsonNode.Parse(Valid)!.AsObject();
        if (value is null) json.Remove(key); else json[key] = value;
        return json;
    }

    [Fact]
    public void Defaults_follow_transformers()
    {
        var config = LlamaConfig.FromJson(JsonNode.Parse(Valid)!.AsObject(), "c");
        Assert.Equal(8, config.HeadDim);                 // hidden / heads
        Assert.Equal(1e-6, config.RmsNormEps);
        Assert.Equal(new RopeParameters { Type = RopeType.Default, Theta = 10000.0 }, config.Rope);
        Assert.False(config.TieWordEmbeddings);
        Assert.False(config.AttentionBias);
        Assert.Equal(3, config.KeyValueGroups);
        var mha = LlamaConfig.FromJson(With("num_key_value_heads", null), "c");
        Assert.Equal(6, mha.NumKeyValueHeads);
    }

    [Theory]
    [InlineData("vocab_size", null, "missing required key \"vocab_size\"")]
    [InlineData("hidden_size", "\"big\"", "key \"hidden_size\" must be an integer")]
    [InlineData("hidden_size", "50", "hidden_size 50 is not divisible by num_attention_heads 6")]
    [InlineData("num_key_value_heads", "4", "num_attention_heads 6 is not a multiple of num_key_value_heads 4")]
    [InlineData("num_hidden_layers", "0", "num_hidden_layers must be positive")]
    [InlineData("head_dim", "7", "head_dim 7 must be even")]
    [InlineData("hidden_act", "\"gelu\"", "hidden_act \"gelu\" is not supported")]
    [InlineData("model_type", "\"gpt2\"", "model_type \"gpt2\" is not a Llama-family model")]
    [InlineData("rope_theta", "0", "rope_theta must be positive")]
    [InlineData("torch_dtype", "\"int8\"", "torch_dtype \"int8\" is not supported")]
    [InlineData("tie_word_embeddings", "1", "key \"tie_word_embeddings\" must be true or false")]
    // Keys that change the forward pass in ways Cora does not implement (LlamaConfigKeys).
    [InlineData("foo", "1", "key \"foo\" is not understood by Cora and may change the forward pass")]
    [InlineData("layer_types", "[\"full_attention\"]", "key \"layer_types\" is not understood by Cora")]
    [InlineData("original_max_position_embeddings", "4096", "key \"original_max_position_embeddings\" is not understood by Cora")]
    [InlineData("attention_dropout", "0.1", "attention_dropout 0.1 is not supported (Cora implements only 0)")]
    [InlineData("sliding_window", "4096", "sliding_window 4096 is not supported")]
    [InlineData("partial_rotary_factor", "0.5", "partial_rotary_factor 0.5 is not supported")]
    [InlineData("quantization_config", "{\"quant_method\": \"bitsandbytes\"}", "quantization_config {\"quant_method\":\"bitsandbytes\"} is not supported")]
    [InlineData("pruned_heads", "{\"0\": [1]}", "pruned_heads {\"0\":[1]} is not supported")]
    public void Bad_configs_are_rejected_naming_the_key(string key, string? value, string message)
    {
        var json = With(key, value is null ? null : JsonNode.Parse(value));
        var e = Assert.Throws<InvalidInputException>(() => LlamaConfig.FromJson(json, "/m/config.json"));
        Assert.StartsWith("/m/config.json: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Several_unknown_keys_are_named_together()
    {
        var json = With("foo", 1);
        json["bar"] = "x";
        var e = Assert.Throws<InvalidInputException>(() => LlamaConfig.FromJson(json, "c"));
        Assert.Contains("keys \"foo\", \"bar\" are not understood by Cora", e.Message);
    }

    [Theory]
    [InlineData("attention_dropout", "0.0")]
    [InlineData("attention_dropout", "0")]
    [InlineData("sliding_window", "null")]
    [InlineData("partial_rotary_factor", "1.0")]
    [InlineData("quantization_config", "null")]
    [InlineData("pruned_heads", "{}")]
    [InlineData("pretraining_tp", "2")]
    [InlineData("use_cache", "false")]
    [InlineData("transformers_version", "\"5.0.0\"")]
    [InlineData("_name_or_path", "\"meta-llama/Llama-3.1-8B\"")]
    [InlineData("temperature", "0.6")]
    [InlineData("top_p", "0.9")]
    [InlineData("max_length", "4096")]
    [InlineData("id2label", "{\"0\": \"LABEL_0\"}")]
    [InlineData("output_hidden_states", "true")]
    public void Metadata_and_keys_at_their_default_are_accepted(string key, string value)
    {
        var json = JsonNode.Parse(Valid)!.AsObject();
        json[key] = JsonNode.Parse(value);   // an explicit null stays in the object
        Assert.Equal(80, LlamaConfig.FromJson(json, "c").VocabSize);
    }

    [Theory]
    [InlineData("mha-tiny")]
    [InlineData("gqa-sharded")]
    public void Every_key_of_the_fixtures_and_of_saved_configs_is_accepted(string name)
    {
        var config = LlamaConfig.Load(Path.Combine(Fixtures.Llama(name), LlamaCheckpoint.ConfigFileName));
        var saved = _temp.File(name + ".json");
        (config with { Rope = RopeParametersTests.Llama31 }).Save(saved);
        Assert.Equal(RopeParametersTests.Llama31, LlamaConfig.Load(saved).Rope);
    }

    [Fact]
    public void Load_names_the_file_when_it_is_missing_or_not_json()
    {
        var missing = _temp.File("config.json");
        Assert.Contains($"{missing}: no such file", Assert.Throws<InvalidInputException>(() => LlamaConfig.Load(missing)).Message);
        File.WriteAllText(missing, "{ not json");
        Assert.Contains($"{missing}: not valid JSON", Assert.Throws<InvalidInputException>(() => LlamaConfig.Load(missing)).Message);
    }

    [Fact]
    public void Save_and_load_round_trip()
    {
        var config = LlamaConfig.FromJson(With("tie_word_embeddings", true), "c") with { Rope = new RopeParameters { Theta = 500000 }, TorchDtype = "bfloat16" };
        var path = _temp.File("config.json");
        config.Save(path);
        Assert.Equal(config, LlamaConfig.Load(path));
        var keys = JsonNode.Parse(File.ReadAllText(path))!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);   // sorted, like save_pretrained
    }
}
