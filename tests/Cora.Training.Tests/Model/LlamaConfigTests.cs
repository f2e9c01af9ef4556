using System.Text.Json.Nodes;
using Cora.Training.Model;

namespace Cora.Training.Tests.Model;

public sealed class LlamaConfigTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private const string Valid = """
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
        Assert.Equal(10000.0, config.RopeTheta);
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
    [InlineData("rope_scaling", "{\"rope_type\": \"yarn\", \"factor\": 4}", "rope_scaling type \"yarn\" is not supported")]
    [InlineData("torch_dtype", "\"int8\"", "torch_dtype \"int8\" is not supported")]
    [InlineData("tie_word_embeddings", "1", "key \"tie_word_embeddings\" must be true or false")]
    public void Bad_configs_are_rejected_naming_the_key(string key, string? value, string message)
    {
        var json = With(key, value is null ? null : JsonNode.Parse(value));
        var e = Assert.Throws<InvalidInputException>(() => LlamaConfig.FromJson(json, "/m/config.json"));
        Assert.StartsWith("/m/config.json: ", e.Message);
        Assert.Contains(message, e.Message);
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
        var config = LlamaConfig.FromJson(With("tie_word_embeddings", true), "c") with { RopeTheta = 500000, TorchDtype = "bfloat16" };
        var path = _temp.File("config.json");
        config.Save(path);
        Assert.Equal(config, LlamaConfig.Load(path));
        var keys = JsonNode.Parse(File.ReadAllText(path))!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);   // sorted, like save_pretrained
    }
}
