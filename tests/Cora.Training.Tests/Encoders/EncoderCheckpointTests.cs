using Cora.Training.Checkpoints;
using Cora.Training.Encoders;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Encoders;

/// <summary>Loading fails loudly and names what is wrong; heads and buffers are ignored.</summary>
public sealed class EncoderCheckpointTests : IDisposable
{
    private static string Bert => Path.Combine(Fixtures.Root, "bertscore", "bert-tiny");

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Copies bert-tiny with its tensors changed by <paramref name="edit"/>.</summary>
    private string Edited(Func<List<(string Name, Tensor Tensor)>, List<(string Name, Tensor Tensor)>> edit)
    {
        using var weights = SafetensorsCheckpoint.Open(Bert);
        var tensors = weights.Names.Select(n => (n, weights.Load(n))).ToList();
        SafetensorsCheckpoint.Write(_temp.Path, edit(tensors));
        File.Copy(Path.Combine(Bert, "config.json"), _temp.File("config.json"));
        return _temp.Path;
    }

    [Fact]
    public void Loads_the_prefixed_checkpoint_and_ignores_its_heads()
    {
        using var model = EncoderCheckpoint.Load(Bert);
        Assert.Equal("bert", model.Config.ModelType);
        Assert.Equal(2, model.LayerCount);
    }

    [Fact]
    public void Unprefixed_names_and_legacy_layer_norm_names_load_the_same_weights()
    {
        var dir = Edited(ts => ts.Select(t => (t.Name.Replace("bert.", "", StringComparison.Ordinal)
            .Replace("LayerNorm.weight", "LayerNorm.gamma", StringComparison.Ordinal)
            .Replace("LayerNorm.bias", "LayerNorm.beta", StringComparison.Ordinal), t.Tensor)).ToList());
        using var original = EncoderCheckpoint.Load(Bert);
        using var renamed = EncoderCheckpoint.Load(dir);
        var a = original.named_parameters().ToList();
        var b = renamed.named_parameters().ToList();
        Assert.Equal(a.Select(p => p.name), b.Select(p => p.name));
        Assert.All(a.Zip(b), p => Assert.True(p.First.parameter.allclose(p.Second.parameter, rtol: 0, atol: 0), p.First.name));
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var dir = Edited(ts => ts.Where(t => t.Name != "bert.encoder.layer.1.attention.self.key.bias").ToList());
        var e = Assert.Throws<InvalidInputException>(() => EncoderCheckpoint.Load(dir));
        Assert.Contains("missing tensor bert.encoder.layer.1.attention.self.key.bias (expected shape [16])", e.Message);
    }

    [Fact]
    public void A_wrong_shape_is_named_with_its_file()
    {
        var dir = Edited(ts => ts.Select(t => t.Name == "bert.encoder.layer.0.intermediate.dense.weight" ? (t.Name, zeros(31, 16)) : t).ToList());
        var e = Assert.Throws<InvalidInputException>(() => EncoderCheckpoint.Load(dir));
        Assert.Contains("tensor bert.encoder.layer.0.intermediate.dense.weight in model.safetensors has shape [31, 16], config.json implies [32, 16]", e.Message);
    }

    [Fact]
    public void An_unexpected_encoder_tensor_is_named()
    {
        var dir = Edited(ts => [.. ts, ("bert.encoder.layer.2.output.dense.weight", zeros(16, 32))]);
        var e = Assert.Throws<InvalidInputException>(() => EncoderCheckpoint.Load(dir));
        Assert.Contains("1 unexpected tensor(s): bert.encoder.layer.2.output.dense.weight", e.Message);
    }

    [Fact]
    public void A_config_that_is_no_encoder_is_named()
    {
        File.WriteAllText(_temp.File("config.json"), "{\"model_type\": \"gpt2\", \"vocab_size\": 10}");
        var e = Assert.Throws<InvalidInputException>(() => EncoderCheckpoint.Load(_temp.Path));
        Assert.Contains("model_type \"gpt2\" is not an encoder Cora runs", e.Message);
    }
}
