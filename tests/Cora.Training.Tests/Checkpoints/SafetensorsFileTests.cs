using System.Runtime.InteropServices;
using Cora.Training.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Checkpoints;

/// <summary>Reading the fixture checkpoints, checked against an independent parse of the bytes.</summary>
public sealed class SafetensorsFileTests
{
    private static string MhaTiny => Path.Combine(Fixtures.Llama("mha-tiny"), "model.safetensors");

    private static string GqaShard(int k) => Path.Combine(Fixtures.Llama("gqa-sharded"), $"model-0000{k}-of-00002.safetensors");

    [Fact]
    public void Mha_tiny_lists_its_21_tensors_with_names_shapes_and_dtypes()
    {
        using var file = SafetensorsFile.Open(MhaTiny);
        Assert.Equal(MhaTiny, file.Path);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, file.Metadata);
        Assert.Equal(21, file.Tensors.Count);
        Assert.All(file.Tensors, t => Assert.Same(SafetensorsDType.F32, t.DType));

        const int vocab = 64, hidden = 32, intermediate = 64;
        var expected = new Dictionary<string, long[]>
        {
            ["lm_head.weight"] = [vocab, hidden],
            ["model.embed_tokens.weight"] = [vocab, hidden],
            ["model.norm.weight"] = [hidden],
        };
        for (var i = 0; i < 2; i++)
        {
            foreach (var proj in new[] { "q", "k", "v", "o" })
            {
                expected[$"model.layers.{i}.self_attn.{proj}_proj.weight"] = [hidden, hidden];
            }
            expected[$"model.layers.{i}.mlp.gate_proj.weight"] = [intermediate, hidden];
            expected[$"model.layers.{i}.mlp.up_proj.weight"] = [intermediate, hidden];
            expected[$"model.layers.{i}.mlp.down_proj.weight"] = [hidden, intermediate];
            expected[$"model.layers.{i}.input_layernorm.weight"] = [hidden];
            expected[$"model.layers.{i}.post_attention_layernorm.weight"] = [hidden];
        }
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), file.Tensors.Select(t => t.Name));
        foreach (var entry in file.Tensors)
        {
            Assert.Equal(expected[entry.Name], entry.Shape);
            Assert.True(file.Contains(entry.Name));
            Assert.Same(entry, file.Entry(entry.Name));
            Assert.Equal(entry.ElementCount * 4, entry.ByteSize);
        }
        Assert.Equal(file.Tensors.Sum(t => t.ByteSize), file.DataBytes);
    }

    [Fact]
    public void Mha_tiny_values_are_the_stored_floats()
    {
        using var file = SafetensorsFile.Open(MhaTiny);
        foreach (var name in new[] { "lm_head.weight", "model.layers.1.mlp.down_proj.weight", "model.norm.weight" })
        {
            var raw = MemoryMarshal.Cast<byte, float>(RawSafetensors.TensorBytes(MhaTiny, name)).ToArray();
            using var loaded = file.Load(name);
            Assert.Equal(ScalarType.Float32, loaded.dtype);
            Assert.Equal(DeviceType.CPU, loaded.device_type);
            Assert.Equal(file.Entry(name).Shape, loaded.shape);
            Assert.Equal(raw, loaded.data<float>().ToArray());
        }
        // The README's distributions, as a check that the bytes read are the right tensor's:
        // RMSNorm weights ~ 1 + N(0, 0.1^2), Linear weights ~ N(0, 0.1^2).
        using var norm = file.Load("model.norm.weight");
        Assert.InRange(norm.mean().item<float>(), 0.9f, 1.1f);
        using var q = file.Load("model.layers.0.self_attn.q_proj.weight");
        Assert.InRange(q.std().item<float>(), 0.07f, 0.13f);
    }

    [Fact]
    public void Gqa_bf16_widens_to_f32_exactly_as_bits_shifted_left_16()
    {
        var path = GqaShard(2);
        using var file = SafetensorsFile.Open(path);
        Assert.All(file.Tensors, t => Assert.Same(SafetensorsDType.BF16, t.DType));
        foreach (var name in new[] { "model.norm.weight", "model.layers.2.mlp.down_proj.weight" })
        {
            var raw = MemoryMarshal.Cast<byte, ushort>(RawSafetensors.TensorBytes(path, name)).ToArray();
            var expected = raw.Select(bits => BitConverter.Int32BitsToSingle(bits << 16)).ToArray();

            using var widened = file.Load(name, ScalarType.Float32);
            Assert.Equal(ScalarType.Float32, widened.dtype);
            Assert.Equal(expected, widened.data<float>().ToArray());

            using var stored = file.Load(name);
            Assert.Equal(ScalarType.BFloat16, stored.dtype);
            Assert.Equal(RawSafetensors.TensorBytes(path, name), stored.bytes.ToArray());
        }
    }

    [Fact]
    public void ReadBytes_copies_the_raw_tensor_bytes()
    {
        var path = GqaShard(1);
        using var file = SafetensorsFile.Open(path);
        const string name = "model.layers.1.self_attn.k_proj.weight";
        var entry = file.Entry(name);
        Assert.Equal([16L, 48L], entry.Shape);
        var bytes = new byte[entry.ByteSize];
        file.ReadBytes(name, bytes);
        Assert.Equal(RawSafetensors.TensorBytes(path, name), bytes);
        Assert.Throws<ArgumentException>(() => file.ReadBytes(name, new byte[entry.ByteSize - 1]));
    }

    [Fact]
    public void Loaded_tensors_outlive_the_file()
    {
        Tensor loaded;
        float[] values;
        using (var file = SafetensorsFile.Open(MhaTiny))
        {
            loaded = file.Load("model.norm.weight");
            values = loaded.data<float>().ToArray();
        }
        using (loaded)
        {
            Assert.Equal(values, loaded.data<float>().ToArray());
        }
    }

    [Fact]
    public void Reading_after_dispose_throws()
    {
        var file = SafetensorsFile.Open(MhaTiny);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Load("model.norm.weight"));
    }
}
