using Cora.Training.IO;
using Cora.Training.Checkpoints;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Checkpoints;

public sealed class SafetensorsWriterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly bool[] Flags = [true, false, false, true];

    /// <summary>One tensor of every dtype TorchSharp can hold, with values that tell bytes apart.</summary>
    private static List<(string Name, Tensor Tensor)> EveryDType() =>
    [
        ("f64", tensor(new[] { 1.0 / 3, -2.5e300, 0, double.Epsilon }, [2, 2])),
        ("f32", tensor(new[] { 1.0f / 3, -3.4e38f, 0, float.Epsilon, 7, 8 }, [3, 2])),
        ("f16", tensor(new[] { 1.5f, -2.25f, 65504f, 6.103515625e-05f }, [4]).to_type(ScalarType.Float16)),
        ("bf16", tensor(new[] { 1.5f, -2.25f, 3.3895314e38f, 9.18355e-41f }, [2, 1, 2]).to_type(ScalarType.BFloat16)),
        ("i64", tensor(new[] { long.MinValue, -1, 0, long.MaxValue }, [4])),
        ("i32", tensor(new[] { int.MinValue, -1, 0, int.MaxValue }, [2, 2])),
        ("i16", tensor(new short[] { short.MinValue, -1, 0, short.MaxValue }, [4])),
        ("i8", tensor(new sbyte[] { sbyte.MinValue, -1, 0, sbyte.MaxValue }, [4])),
        ("u8", tensor(new byte[] { 0, 1, 128, 255 }, [4])),
        ("bool", tensor(Flags, [2, 2])),
    ];

    [Fact]
    public void Every_dtype_round_trips_bit_for_bit()
    {
        var tensors = EveryDType();
        var path = _temp.File("all.safetensors");
        SafetensorsWriter.Write(path, tensors);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(tensors.Count, file.Tensors.Count);
        foreach (var (name, expected) in tensors)
        {
            var entry = file.Entry(name);
            Assert.Same(SafetensorsDType.FromScalarType(expected.dtype), entry.DType);
            Assert.Equal(expected.shape, entry.Shape);
            using var loaded = file.Load(name);
            Assert.Equal(expected.dtype, loaded.dtype);
            Assert.Equal(expected.shape, loaded.shape);
            Assert.Equal(expected.bytes.ToArray(), loaded.bytes.ToArray());
            expected.Dispose();
        }
    }

    [Fact]
    public void Scalars_empty_and_non_contiguous_tensors_round_trip()
    {
        using var scalar = tensor(42.5f);
        using var empty = zeros([0, 3], ScalarType.Float32);
        using var matrix = arange(6, ScalarType.Float32).reshape(2, 3);
        using var transposed = matrix.t();
        Assert.False(transposed.is_contiguous());
        var path = _temp.File("odd.safetensors");
        SafetensorsWriter.Write(path, [("scalar", scalar), ("empty", empty), ("transposed", transposed)]);

        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Entry("scalar").Shape);
        using (var loaded = file.Load("scalar"))
        {
            Assert.Equal(42.5f, loaded.item<float>());
        }
        Assert.Equal([0L, 3L], file.Entry("empty").Shape);
        Assert.Equal(0, file.Entry("empty").ByteSize);
        using (var loaded = file.Load("transposed"))
        {
            Assert.Equal([3L, 2L], loaded.shape);
            Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, loaded.data<float>().ToArray());
        }
    }

    [Fact]
    public void Bf16_and_f16_widen_exactly_to_f32()
    {
        float[] values = [1.5f, -2.25f, 0.0078125f, 1024f];
        using var bf16 = tensor(values).to_type(ScalarType.BFloat16);
        using var f16 = tensor(values).to_type(ScalarType.Float16);
        var path = _temp.File("half.safetensors");
        SafetensorsWriter.Write(path, [("bf16", bf16), ("f16", f16)]);
        using var file = SafetensorsFile.Open(path);
        using var wideBf16 = file.Load("bf16", ScalarType.Float32);
        using var wideF16 = file.Load("f16", ScalarType.Float32);
        Assert.Equal(values, wideBf16.data<float>().ToArray());
        Assert.Equal(values, wideF16.data<float>().ToArray());
    }

    [Fact]
    public void Tensors_are_laid_out_by_dtype_then_name_with_an_aligned_header()
    {
        using var a = ones(3, ScalarType.Int8);
        using var b = ones(1, ScalarType.Float32);
        using var c = ones(2, ScalarType.Float64);
        using var d = ones(1, ScalarType.BFloat16);
        using var e = ones(2, ScalarType.Float32);
        var path = _temp.File("order.safetensors");
        SafetensorsWriter.Write(path, [("a", a), ("b", b), ("c", c), ("d", d), ("B", e)], new Dictionary<string, string> { ["k"] = "v" });

        using var file = SafetensorsFile.Open(path);
        // F64 > F32 > BF16 > I8 (the reference's dtype order, descending), then by name ("B" < "b").
        Assert.Equal(["c", "B", "b", "d", "a"], file.Tensors.Select(t => t.Name));
        Assert.Equal([0L, 16, 24, 28, 30], file.Tensors.Select(t => t.DataBegin));
        var header = RawSafetensors.HeaderText(path);
        Assert.Equal(0, header.Length % 8);
        Assert.StartsWith("""{"__metadata__":{"k":"v"},"c":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},""", header);
        Assert.Equal(header.TrimEnd(' ').Length, header.TrimEnd(' ').LastIndexOf('}') + 1);
    }

    [Fact]
    public void No_metadata_writes_no_metadata_key()
    {
        using var t = ones(1, ScalarType.Float32);
        var path = _temp.File("plain.safetensors");
        SafetensorsWriter.Write(path, [("t", t)]);
        Assert.Equal("""{"t":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", RawSafetensors.HeaderText(path).TrimEnd(' '));
    }

    [Fact]
    public void Rewriting_mha_tiny_reproduces_it_byte_for_byte()
    {
        var original = Path.Combine(Fixtures.Llama("mha-tiny"), "model.safetensors");
        var copy = _temp.File("model.safetensors");
        using (var file = SafetensorsFile.Open(original))
        {
            // Fed in reverse: the writer must restore the official order itself.
            var tensors = file.Tensors.Reverse().Select(t => (t.Name, file.Load(t.Name))).ToList();
            SafetensorsWriter.Write(copy, tensors, file.Metadata);
            tensors.ForEach(t => t.Item2.Dispose());
        }
        Assert.Equal(File.ReadAllBytes(original), File.ReadAllBytes(copy));
    }

    [Fact]
    public void Overwriting_replaces_the_file_and_leaves_no_temporary_files()
    {
        var path = _temp.File("model.safetensors");
        using var first = ones(4, ScalarType.Float32);
        using var second = zeros(2, ScalarType.Int64);
        SafetensorsWriter.Write(path, [("w", first)]);
        SafetensorsWriter.Write(path, [("v", second)]);
        using (var file = SafetensorsFile.Open(path))
        {
            Assert.Equal(["v"], file.Tensors.Select(t => t.Name));
        }
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void A_failed_atomic_write_leaves_the_old_file_whole_and_no_temporary_file()
    {
        var path = _temp.File("target.bin");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[1000]);
            throw new IOException("disk full, say");
        }));
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(_temp.Path));
    }

    [Fact]
    public void Bad_names_and_dtypes_are_refused_before_anything_is_written()
    {
        using var t = ones(1, ScalarType.Float32);
        using var complex = ones(1, ScalarType.ComplexFloat32);
        var path = _temp.File("never.safetensors");
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("w", t), ("w", t)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("__metadata__", t)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("", t)]));
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(path, [("c", complex)]));
        Assert.Empty(Directory.GetFiles(_temp.Path));
    }
}
