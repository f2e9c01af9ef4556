using System.Text.Json.Nodes;
using Cora.Training.Model;

namespace Cora.Training.Tests.Model;

/// <summary>Reading, validating and writing the RoPE of a config.json, in transformers 4's layout
/// (rope_theta + rope_scaling) and transformers 5's (rope_parameters).</summary>
public sealed class RopeParametersTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A valid config with <paramref name="keys"/> (a JSON object's members) added.</summary>
    private static JsonObject Config(string keys)
    {
        var json = JsonNode.Parse(LlamaConfigTests.Valid)!.AsObject();
        foreach (var (key, value) in JsonNode.Parse(keys)!.AsObject().ToList())
            json[key] = value?.DeepClone();
        return json;
    }

    private static RopeParameters Read(string keys) => LlamaConfig.FromJson(Config(keys), "/m/config.json").Rope;

    /// <summary>Llama-3.1's RoPE, as meta-llama/Llama-3.1-8B's config.json states it (head_dim 128).</summary>
    internal static readonly RopeParameters Llama31 = new()
    {
        Type = RopeType.Llama3,
        Theta = 500000,
        Factor = 8,
        LowFreqFactor = 1,
        HighFreqFactor = 4,
        OriginalMaxPositionEmbeddings = 8192,
    };

    [Fact]
    public void Transformers_4_layout_is_read()
    {
        Assert.Equal(new RopeParameters { Theta = 500000 }, Read("""{"rope_theta": 500000.0, "rope_scaling": null}"""));
        Assert.Equal(Llama31, Read("""
            {"rope_theta": 500000.0, "rope_scaling": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
             "original_max_position_embeddings": 8192, "rope_type": "llama3"}}
            """));
        var linear = new RopeParameters { Type = RopeType.Linear, Theta = 10000, Factor = 4 };
        Assert.Equal(linear, Read("""{"rope_scaling": {"rope_type": "linear", "factor": 4.0}}"""));
        // Before transformers 4.43 the type was "type"; 4.43+ writes both when it reads such a file.
        Assert.Equal(linear, Read("""{"rope_scaling": {"type": "linear", "factor": 4}}"""));
        Assert.Equal(linear, Read("""{"rope_scaling": {"type": "linear", "rope_type": "linear", "factor": 4}}"""));
        Assert.Equal(new RopeParameters(), Read("""{"rope_scaling": {"rope_type": "default"}}"""));
    }

    [Fact]
    public void Transformers_5_layout_is_read()
    {
        Assert.Equal(new RopeParameters { Theta = 500000 }, Read("""{"rope_parameters": {"rope_type": "default", "rope_theta": 500000.0}}"""));
        Assert.Equal(Llama31, Read("""
            {"rope_parameters": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
             "original_max_position_embeddings": 8192, "rope_theta": 500000.0, "rope_type": "llama3"}}
            """));
        // The same value stated in both places, or the same RoPE in both objects, is no conflict.
        Assert.Equal(new RopeParameters { Theta = 500000 }, Read("""{"rope_theta": 500000, "rope_parameters": {"rope_type": "default", "rope_theta": 500000}}"""));
        Assert.Equal(new RopeParameters { Type = RopeType.Linear, Theta = 10000, Factor = 2 },
            Read("""{"rope_scaling": {"type": "linear", "factor": 2}, "rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 10000}}"""));
        Assert.Equal(new RopeParameters { Theta = 10000 }, Read("""{"rope_parameters": {"rope_type": "default", "partial_rotary_factor": 1.0}}"""));
    }

    [Fact]
    public void A_transformers_5_llama3_config_round_trips_through_save()
    {
        var config = LlamaConfig.FromJson(Config("""
            {"rope_parameters": {"factor": 8.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
             "original_max_position_embeddings": 8192, "rope_theta": 500000.0, "rope_type": "llama3"}}
            """), "c");
        Assert.Equal(Llama31, config.Rope);
        var path = _temp.File("config.json");
        config.Save(path);
        Assert.Equal(config, LlamaConfig.Load(path));

        // Written as transformers 4 writes it, which transformers 4 and 5 both read.
        var saved = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(500000.0, (double)saved["rope_theta"]!);
        Assert.False(saved.ContainsKey("rope_parameters"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"factor": 8, "high_freq_factor": 4, "low_freq_factor": 1, "original_max_position_embeddings": 8192, "rope_type": "llama3"}
            """), saved["rope_scaling"]), saved["rope_scaling"]!.ToJsonString());
    }

    [Fact]
    public void The_default_rope_is_saved_with_a_null_rope_scaling()
    {
        var config = LlamaConfig.FromJson(Config("""{"rope_parameters": {"rope_type": "default", "rope_theta": 250000}}"""), "c");
        var path = _temp.File("config.json");
        config.Save(path);
        var saved = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.True(saved.ContainsKey("rope_scaling"));
        Assert.Null(saved["rope_scaling"]);
        Assert.Equal(250000.0, (double)saved["rope_theta"]!);
        Assert.Equal(config, LlamaConfig.Load(path));
    }

    [Theory]
    [InlineData("""{"rope_scaling": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 4096}}""", "rope_scaling.rope_type \"yarn\" is not supported (Cora implements default, linear, llama3)")]
    [InlineData("""{"rope_scaling": {"type": "dynamic", "factor": 2.0}}""", "rope_scaling.type \"dynamic\" is not supported")]
    [InlineData("""{"rope_parameters": {"rope_type": "longrope", "rope_theta": 10000, "short_factor": [1], "long_factor": [1]}}""", "rope_parameters.rope_type \"longrope\" is not supported")]
    [InlineData("""{"rope_parameters": {"rope_type": "yarn", "rope_theta": 10000, "factor": 4}}""", "rope_parameters.rope_type \"yarn\" is not supported")]
    [InlineData("""{"rope_scaling": {"type": "su", "short_factor": [1], "long_factor": [1]}}""", "rope_scaling.type \"su\" is not supported")]
    [InlineData("""{"rope_scaling": {"rope_type": "mrope", "mrope_section": [2, 1, 1]}}""", "rope_scaling.rope_type \"mrope\" is not supported")]
    [InlineData("""{"rope_theta": 10000, "rope_parameters": {"rope_type": "default", "rope_theta": 500000}}""", "rope_theta 10000 and rope_parameters.rope_theta 500000 disagree")]
    [InlineData("""{"rope_scaling": {"rope_type": "linear", "factor": 2}, "rope_parameters": {"rope_type": "linear", "factor": 4}}""", "rope_scaling and rope_parameters disagree")]
    [InlineData("""{"rope_scaling": {"rope_type": "linear", "type": "dynamic", "factor": 2}}""", "rope_scaling.rope_type \"linear\" and rope_scaling.type \"dynamic\" disagree")]
    [InlineData("""{"rope_parameters": {"rope_type": "default", "rope_theta": 10000, "partial_rotary_factor": 0.5}}""", "rope_parameters.partial_rotary_factor 0.5 is not supported")]
    [InlineData("""{"rope_parameters": {"rope_type": "linear", "rope_theta": 10000, "factor": 2, "attention_factor": 1.2}}""", "key \"rope_parameters.attention_factor\" (rope_type \"linear\" takes factor) is not understood by Cora")]
    [InlineData("""{"rope_scaling": {"rope_type": "default", "factor": 2}}""", "key \"rope_scaling.factor\" (rope_type \"default\" takes no parameters) is not understood")]
    [InlineData("""{"rope_parameters": {"rope_type": "linear", "rope_theta": 10000, "factor": 0.5}}""", "rope_parameters.factor must be ≥ 1 (got 0.5)")]
    [InlineData("""{"rope_scaling": {"rope_type": "linear"}}""", "missing required key \"rope_scaling.factor\"")]
    [InlineData("""{"rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4}}""", "missing required key \"rope_scaling.original_max_position_embeddings\"")]
    [InlineData("""{"rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 4, "high_freq_factor": 4, "original_max_position_embeddings": 8192}}""", "rope_scaling.high_freq_factor must be greater than low_freq_factor 4 (got 4)")]
    [InlineData("""{"rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 0, "high_freq_factor": 4, "original_max_position_embeddings": 8192}}""", "rope_scaling.low_freq_factor must be positive (got 0)")]
    [InlineData("""{"rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 8192.5}}""", "key \"rope_scaling.original_max_position_embeddings\" must be an integer")]
    [InlineData("""{"rope_parameters": {"rope_type": "default", "rope_theta": -1}}""", "rope_parameters.rope_theta must be positive (got -1)")]
    [InlineData("""{"rope_scaling": "linear"}""", "key \"rope_scaling\" must be an object or null")]
    public void Unsupported_or_contradictory_ropes_are_refused_naming_the_key(string keys, string message)
    {
        var e = Assert.Throws<InvalidInputException>(() => Read(keys));
        Assert.StartsWith("/m/config.json: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_rope_built_in_code_is_validated_too()
    {
        var noFactor = new RopeParameters { Type = RopeType.Linear };
        Assert.Contains("missing required key \"rope_scaling.factor\"", Assert.Throws<InvalidInputException>(() => noFactor.Validated("c")).Message);
        var stray = new RopeParameters { Factor = 2 };
        Assert.Contains("rope_scaling.factor is set, but rope_type \"default\" does not use it", Assert.Throws<InvalidInputException>(() => stray.Validated("c")).Message);
        var config = LlamaForCausalLMTests.TinyConfig() with { Rope = Llama31 with { HighFreqFactor = 0.5 } };
        Assert.Contains("rope_scaling.high_freq_factor must be greater than low_freq_factor 1 (got 0.5)", Assert.Throws<InvalidInputException>(() => config.Validated("c")).Message);
    }

    [Fact]
    public void Describe_names_the_type_and_its_parameters()
    {
        Assert.Equal("default (theta 10000)", new RopeParameters().Describe());
        Assert.Equal("llama3 (theta 500000, factor 8, low_freq_factor 1, high_freq_factor 4, original_max_position_embeddings 8192)", Llama31.Describe());
    }
}
