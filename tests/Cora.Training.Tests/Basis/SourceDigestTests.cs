using Cora.Training.Basis;
using Cora.Training.Checkpoints;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Basis;

public sealed class SourceDigestTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static string MhaTiny => Fixtures.Llama("mha-tiny");

    /// <summary>Copies mha-tiny's config and weights to a new directory, changing one tensor and
    /// sharding as asked (the header and file layout change; the tensors do not).</summary>
    private string Rewrite(string name, string? changed = null, long? maxShardBytes = null)
    {
        var target = Directory.CreateDirectory(_temp.File(name)).FullName;
        File.Copy(Path.Combine(MhaTiny, "config.json"), Path.Combine(target, "config.json"));
        using var source = SafetensorsCheckpoint.Open(MhaTiny);
        var tensors = source.Names.Select(n => (n, n == changed ? source.Load(n).add(0.5f) : source.Load(n))).ToList();
        SafetensorsCheckpoint.Write(target, tensors, maxShardBytes);
        tensors.ForEach(t => t.Item2.Dispose());
        return target;
    }

    [Fact]
    public void Extraction_records_the_digest_of_every_layer_it_read()
    {
        var result = BasisExtractor.Extract(new BasisOptions([MhaTiny], 4, _temp.File("b.safetensors"), BasisMode.SharedQkv, BasisMethod.Eigh, null));
        Assert.Equal(SourceDigest.Of(MhaTiny), Assert.Single(result.Sources).Sha256);
    }

    [Fact]
    public void Only_the_config_and_the_qkv_weights_count_not_the_rest_nor_the_sharding()
    {
        var original = SourceDigest.Of(MhaTiny);
        Assert.Equal(original, SourceDigest.Of(Rewrite("same")));
        Assert.Equal(original, SourceDigest.Of(Rewrite("sharded", maxShardBytes: 4096)));
        Assert.True(Directory.GetFiles(_temp.File("sharded"), "model-*.safetensors").Length > 1);
        Assert.Equal(original, SourceDigest.Of(Rewrite("mlp", changed: "model.layers.1.mlp.up_proj.weight")));
        Assert.Equal(original, SourceDigest.Of(Rewrite("embeddings", changed: "model.embed_tokens.weight")));
        Assert.NotEqual(original, SourceDigest.Of(Rewrite("k", changed: "model.layers.1.self_attn.k_proj.weight")));

        var config = Rewrite("config");
        File.AppendAllText(Path.Combine(config, "config.json"), "\n");
        Assert.NotEqual(original, SourceDigest.Of(config));
    }

    [Fact]
    public void A_missing_qkv_weight_is_named()
    {
        var target = Directory.CreateDirectory(_temp.File("partial")).FullName;
        File.Copy(Path.Combine(MhaTiny, "config.json"), Path.Combine(target, "config.json"));
        using (var source = SafetensorsCheckpoint.Open(MhaTiny))
        {
            var tensors = source.Names.Where(n => n != "model.layers.0.self_attn.v_proj.weight").Select(n => (n, source.Load(n))).ToList();
            SafetensorsCheckpoint.Write(target, tensors);
            tensors.ForEach(t => t.Item2.Dispose());
        }
        var error = Assert.Throws<InvalidInputException>(() => SourceDigest.Of(target));
        Assert.Contains("model.layers.0.self_attn.v_proj.weight", error.Message);
        Assert.Contains(target, error.Message);
    }
}
