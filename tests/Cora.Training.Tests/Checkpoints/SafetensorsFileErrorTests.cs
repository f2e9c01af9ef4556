using Cora.Training.Checkpoints;

namespace Cora.Training.Tests.Checkpoints;

/// <summary>Every malformed file is refused at Open with a message naming the file and the problem.</summary>
public sealed class SafetensorsFileErrorTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Bad(string header, int dataBytes, ulong? headerLength = null) =>
        RawSafetensors.Write(_temp.File("bad.safetensors"), header, new byte[dataBytes], headerLength);

    private static void AssertRefused(string path, params string[] problem)
    {
        var error = Assert.Throws<InvalidInputException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, error.Message);
        foreach (var part in problem)
        {
            Assert.Contains(part, error.Message);
        }
    }

    [Fact]
    public void A_good_crafted_file_opens()
    {
        // The baseline the error cases below each break in one way.
        var path = Bad("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[],"data_offsets":[8,9]}}""", 9);
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["a", "b"], file.Tensors.Select(t => t.Name));
        Assert.Empty(file.Metadata);
        Assert.Equal(1, file.Entry("b").ElementCount);
    }

    [Fact]
    public void Missing_file() => AssertRefused(_temp.File("absent.safetensors"), "no such file");

    [Fact]
    public void File_shorter_than_8_bytes_is_truncated()
    {
        var path = _temp.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5]);
        AssertRefused(path, "truncated", "5 bytes");
    }

    [Fact]
    public void Empty_file_is_truncated()
    {
        var path = _temp.File("empty.safetensors");
        File.WriteAllBytes(path, []);
        AssertRefused(path, "truncated");
    }

    [Fact]
    public void Header_size_beyond_the_file() =>
        AssertRefused(Bad("{}      ", 0, headerLength: 1000), "header size 1000 runs past the end of the file");

    [Fact]
    public void Header_size_above_the_limit() =>
        AssertRefused(Bad("{}      ", 0, headerLength: 200_000_000), "header size 200000000 is above");

    [Fact]
    public void Header_not_json() => AssertRefused(Bad("{not json", 0), "header is not valid JSON");

    [Fact]
    public void Header_not_an_object() => AssertRefused(Bad("[1,2]", 0), "header is a JSON Array, not an object");

    [Fact]
    public void Unknown_dtype() =>
        AssertRefused(Bad("""{"w":{"dtype":"F17","shape":[1],"data_offsets":[0,4]}}""", 4), "tensor 'w'", "unknown dtype F17");

    [Fact]
    public void Negative_dimension() =>
        AssertRefused(Bad("""{"w":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,0]}}""", 0), "tensor 'w'", "negative dimension");

    [Fact]
    public void Non_integer_dimension() =>
        AssertRefused(Bad("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", 4), "tensor 'w'", "not an integer");

    [Fact]
    public void Missing_field() =>
        AssertRefused(Bad("""{"w":{"dtype":"F32","shape":[1]}}""", 0), "tensor 'w'", "no \"data_offsets\"");

    [Fact]
    public void Byte_size_not_matching_shape_and_dtype() =>
        AssertRefused(Bad("""{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,12]}}""", 12),
            "tensor 'w'", "byte size 12", "does not match shape [2,2] of F32 (16 bytes)");

    [Fact]
    public void Shape_overflowing_a_byte_count() =>
        AssertRefused(Bad("""{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}""", 8),
            "tensor 'w'", "overflows");

    [Fact]
    public void Offsets_beyond_the_data_section() =>
        AssertRefused(Bad("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 8),
            "tensor 'w'", "run past the data section (8 bytes)");

    [Fact]
    public void Offsets_reversed() =>
        AssertRefused(Bad("""{"w":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}}""", 8), "tensor 'w'", "not a range");

    [Fact]
    public void Overlapping_tensors() =>
        AssertRefused(Bad("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12),
            "tensor 'b'", "overlap tensor 'a'");

    [Fact]
    public void Gap_between_tensors() =>
        AssertRefused(Bad("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", 12),
            "tensor 'b'", "gap of 4 bytes");

    [Fact]
    public void Trailing_bytes_after_the_last_tensor() =>
        AssertRefused(Bad("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8), "4 trailing bytes");

    [Fact]
    public void Tensor_named_twice() =>
        AssertRefused(Bad("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}""", 2),
            "key 'a' twice");

    [Fact]
    public void Metadata_value_not_a_string() =>
        AssertRefused(Bad("""{"__metadata__":{"format":1}}""", 0), "__metadata__ value of 'format'", "not a string");

    [Fact]
    public void Loading_a_missing_tensor_names_file_and_tensor()
    {
        var path = Bad("""{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1);
        using var file = SafetensorsFile.Open(path);
        var error = Assert.Throws<InvalidInputException>(() => file.Load("nope"));
        Assert.Contains(path, error.Message);
        Assert.Contains("no tensor 'nope'", error.Message);
        Assert.False(file.Contains("nope"));
    }

    [Fact]
    public void A_dtype_torch_lacks_reads_as_bytes_but_does_not_load()
    {
        var path = RawSafetensors.Write(_temp.File("u16.safetensors"),
            """{"u":{"dtype":"U16","shape":[2],"data_offsets":[0,4]}}""", [1, 2, 3, 4]);
        using var file = SafetensorsFile.Open(path);
        var bytes = new byte[4];
        file.ReadBytes("u", bytes);
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, bytes);
        var error = Assert.Throws<InvalidInputException>(() => file.Load("u"));
        Assert.Contains(path, error.Message);
        Assert.Contains("dtype U16 has no TorchSharp type", error.Message);
    }
}
