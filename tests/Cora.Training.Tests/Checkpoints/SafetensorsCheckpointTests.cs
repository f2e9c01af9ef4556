using System.Text.Json;
using Cora.Training.Checkpoints;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Checkpoints;

public sealed class SafetensorsCheckpointTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Llama state-dict order, as <c>model.state_dict()</c> lists it.</summary>
    private static IEnumerable<string> StateDictOrder(int layers, bool lmHead)
    {
        yield return "model.embed_tokens.weight";
        for (var i = 0; i < layers; i++)
        {
            foreach (var part in new[]
                     {
                         "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                         "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj", "input_layernorm", "post_attention_layernorm",
                     })
            {
                yield return $"model.layers.{i}.{part}.weight";
            }
        }
        yield return "model.norm.weight";
        if (lmHead)
        {
            yield return "lm_head.weight";
        }
    }

    [Fact]
    public void Opens_the_single_file_fixture()
    {
        var dir = Fixtures.Llama("mha-tiny");
        using var checkpoint = SafetensorsCheckpoint.Open(dir);
        Assert.Equal(dir, checkpoint.Directory);
        var file = Assert.Single(checkpoint.Files);
        Assert.Equal(Path.Combine(dir, "model.safetensors"), file.Path);
        Assert.Equal(21, checkpoint.Names.Count);
        Assert.Equal(StateDictOrder(2, lmHead: true).Order(StringComparer.Ordinal), checkpoint.Names);
        Assert.Equal(98944, checkpoint.TotalBytes);
        using var head = checkpoint.Load("lm_head.weight");
        Assert.Equal([64L, 32L], head.shape);
    }

    [Fact]
    public void Opens_the_sharded_bf16_fixture_with_tied_embeddings()
    {
        var dir = Fixtures.Llama("gqa-sharded");
        using var checkpoint = SafetensorsCheckpoint.Open(dir);
        Assert.Equal(
            ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"],
            checkpoint.Files.Select(f => Path.GetFileName(f.Path)));
        Assert.Equal(StateDictOrder(3, lmHead: false).Order(StringComparer.Ordinal), checkpoint.Names.Order(StringComparer.Ordinal));
        Assert.Equal(29, checkpoint.Names.Count);
        Assert.False(checkpoint.Contains("lm_head.weight"));

        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "model.safetensors.index.json")));
        Assert.Equal(index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64(), checkpoint.TotalBytes);

        // A layer straddles the shards: layer 1's gate is in the first, its up projection in the second.
        Assert.EndsWith("00001-of-00002.safetensors", checkpoint.FileOf("model.layers.1.mlp.gate_proj.weight").Path);
        Assert.EndsWith("00002-of-00002.safetensors", checkpoint.FileOf("model.layers.1.mlp.up_proj.weight").Path);

        var entry = checkpoint.Entry("model.layers.2.self_attn.k_proj.weight");
        Assert.Same(SafetensorsDType.BF16, entry.DType);
        Assert.Equal([16L, 48L], entry.Shape);
        using var embed = checkpoint.Load("model.embed_tokens.weight", ScalarType.Float32);
        Assert.Equal([80L, 48L], embed.shape);
        Assert.Equal(ScalarType.Float32, embed.dtype);
    }

    [Fact]
    public void Rewriting_gqa_sharded_in_state_dict_order_reproduces_shards_and_index_byte_for_byte()
    {
        var dir = Fixtures.Llama("gqa-sharded");
        var copy = Path.Combine(_temp.Path, "copy");
        using (var checkpoint = SafetensorsCheckpoint.Open(dir))
        {
            var tensors = StateDictOrder(3, lmHead: false).Select(n => (n, checkpoint.Load(n))).ToList();
            // The first shard's data is 69312 bytes and the next tensor would pass it.
            SafetensorsCheckpoint.Write(copy, tensors, maxShardBytes: 69312);
            tensors.ForEach(t => t.Item2.Dispose());
        }
        var expected = Directory.GetFiles(dir).Select(Path.GetFileName).Where(n => n != "config.json").Order();
        Assert.Equal(expected, Directory.GetFiles(copy).Select(Path.GetFileName).Order());
        foreach (var name in expected)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, name!)), File.ReadAllBytes(Path.Combine(copy, name!)));
        }
    }

    [Fact]
    public void Sharded_write_splits_in_order_and_reads_back()
    {
        var tensors = Enumerable.Range(0, 5).Select(i => ($"t{i}", full(new long[] { 10 }, i, ScalarType.Float32))).ToList();
        using var big = arange(100, ScalarType.Float32);
        tensors.Insert(2, ("big", big));
        // 40 bytes each, 400 for "big": [t0, t1] [big] [t2, t3] [t4] under an 80-byte limit.
        SafetensorsCheckpoint.Write(_temp.Path, tensors, maxShardBytes: 80);

        Assert.Equal(
            ["model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors",
             "model-00004-of-00004.safetensors", "model.safetensors.index.json"],
            Directory.GetFiles(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        using var index = JsonDocument.Parse(File.ReadAllText(_temp.File("model.safetensors.index.json")));
        Assert.Equal(600, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());

        using var checkpoint = SafetensorsCheckpoint.Open(_temp.Path);
        Assert.Equal(["t0", "t1", "big", "t2", "t3", "t4"], checkpoint.Names);
        Assert.Equal(600, checkpoint.TotalBytes);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, checkpoint.Files[0].Metadata);
        foreach (var (name, expected) in tensors)
        {
            using var loaded = checkpoint.Load(name);
            Assert.Equal(expected.data<float>().ToArray(), loaded.data<float>().ToArray());
        }
        tensors.Where(t => t.Item1 != "big").ToList().ForEach(t => t.Item2.Dispose());
    }

    [Fact]
    public void Writing_one_layout_removes_the_other()
    {
        using var a = ones(10, ScalarType.Float32);
        using var b = zeros(10, ScalarType.Float32);
        SafetensorsCheckpoint.Write(_temp.Path, [("a", a), ("b", b)], maxShardBytes: 40);
        Assert.Equal(3, Directory.GetFiles(_temp.Path).Length);

        SafetensorsCheckpoint.Write(_temp.Path, [("a", a), ("b", b)]);
        Assert.Equal([_temp.File("model.safetensors")], Directory.GetFiles(_temp.Path));

        SafetensorsCheckpoint.Write(_temp.Path, [("a", a), ("b", b)], maxShardBytes: 40);
        Assert.DoesNotContain(_temp.File("model.safetensors"), Directory.GetFiles(_temp.Path));
        using var checkpoint = SafetensorsCheckpoint.Open(_temp.Path);
        Assert.Equal(2, checkpoint.Files.Count);
    }

    [Fact]
    public void Refuses_a_duplicate_before_writing_any_shard()
    {
        using var a = ones(10, ScalarType.Float32);
        Assert.Throws<ArgumentException>(() =>
            SafetensorsCheckpoint.Write(_temp.Path, [("a", a), ("b", a), ("a", a)], maxShardBytes: 40));
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }

    // ---- errors: each names the file or directory and the problem ----

    private static void AssertRefused(string dir, string names, params string[] problem)
    {
        var error = Assert.Throws<InvalidInputException>(() => SafetensorsCheckpoint.Open(dir).Dispose());
        Assert.Contains(names, error.Message);
        foreach (var part in problem)
        {
            Assert.Contains(part, error.Message);
        }
    }

    private string Shard(string name, string tensor) =>
        RawSafetensors.Write(_temp.File(name), $$$"""{"{{{tensor}}}":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", [7]);

    private string Index(string json) => RawIndex(_temp.File("model.safetensors.index.json"), json);

    private static string RawIndex(string path, string json)
    {
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void No_weights_in_the_directory() =>
        AssertRefused(_temp.Path, _temp.Path, "no model.safetensors or model.safetensors.index.json");

    [Fact]
    public void No_such_directory() =>
        AssertRefused(_temp.File("absent"), _temp.File("absent"), "no such directory");

    [Fact]
    public void Index_not_json() =>
        AssertRefused(_temp.Path, Index("{\"weight_map\": "), "not valid JSON");

    [Fact]
    public void Index_without_weight_map() =>
        AssertRefused(_temp.Path, Index("""{"metadata": {}}"""), "no \"weight_map\" object");

    [Fact]
    public void Index_naming_a_missing_shard()
    {
        Shard("model-00001-of-00002.safetensors", "a");
        var index = Index("""{"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}""");
        AssertRefused(_temp.Path, index, "names shard model-00002-of-00002.safetensors, which does not exist");
    }

    [Fact]
    public void Index_naming_a_tensor_its_shard_lacks()
    {
        Shard("s1.safetensors", "a");
        var index = Index("""{"weight_map": {"a": "s1.safetensors", "b": "s1.safetensors"}}""");
        AssertRefused(_temp.Path, index, "maps tensor 'b' to s1.safetensors, which does not hold it");
    }

    [Fact]
    public void Shard_holding_a_tensor_the_index_does_not_list()
    {
        var shard = RawSafetensors.Write(_temp.File("s1.safetensors"),
            """{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", [7, 8]);
        Index("""{"weight_map": {"a": "s1.safetensors"}}""");
        AssertRefused(_temp.Path, shard, "holds tensor 'b'", "does not map to this shard");
    }

    [Fact]
    public void Index_pointing_outside_the_directory()
    {
        var index = Index("""{"weight_map": {"a": "../elsewhere.safetensors"}}""");
        AssertRefused(_temp.Path, index, "tensor 'a'", "not a file name in the checkpoint directory");
    }

    [Fact]
    public void Malformed_shard_is_named()
    {
        var shard = _temp.File("s1.safetensors");
        File.WriteAllBytes(shard, [1, 2]);
        Index("""{"weight_map": {"a": "s1.safetensors"}}""");
        AssertRefused(_temp.Path, shard, "truncated");
    }

    [Fact]
    public void Loading_a_missing_tensor_names_the_directory()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Fixtures.Llama("gqa-sharded"));
        var error = Assert.Throws<InvalidInputException>(() => checkpoint.Load("lm_head.weight"));
        Assert.Contains(Fixtures.Llama("gqa-sharded"), error.Message);
        Assert.Contains("no tensor 'lm_head.weight'", error.Message);
    }
}
