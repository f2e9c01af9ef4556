using Cora.Training.Checkpoints;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Checkpoints;

public sealed class SafetensorsDTypeTests
{
    [Theory]
    [InlineData("F64", 8, ScalarType.Float64)]
    [InlineData("F32", 4, ScalarType.Float32)]
    [InlineData("F16", 2, ScalarType.Float16)]
    [InlineData("BF16", 2, ScalarType.BFloat16)]
    [InlineData("I64", 8, ScalarType.Int64)]
    [InlineData("I32", 4, ScalarType.Int32)]
    [InlineData("I16", 2, ScalarType.Int16)]
    [InlineData("I8", 1, ScalarType.Int8)]
    [InlineData("U8", 1, ScalarType.Byte)]
    [InlineData("BOOL", 1, ScalarType.Bool)]
    public void Header_name_size_and_torch_type_agree(string name, int size, ScalarType scalarType)
    {
        Assert.True(SafetensorsDType.TryParse(name, out var dtype));
        Assert.Equal(name, dtype.Name);
        Assert.Equal(size, dtype.ElementSize);
        Assert.Equal(scalarType, dtype.ScalarType);
        Assert.Same(dtype, SafetensorsDType.FromScalarType(scalarType));
        using var one = ones(1, scalarType);
        Assert.Equal(size, one.ElementSize);
    }

    [Theory]
    [InlineData("U16", 2)]
    [InlineData("U32", 4)]
    [InlineData("U64", 8)]
    [InlineData("F8_E4M3", 1)]
    [InlineData("F8_E5M2", 1)]
    public void Types_without_a_torch_equivalent_parse_but_have_no_scalar_type(string name, int size)
    {
        Assert.True(SafetensorsDType.TryParse(name, out var dtype));
        Assert.Equal(size, dtype.ElementSize);
        Assert.Null(dtype.ScalarType);
    }

    [Theory]
    [InlineData("f32")]
    [InlineData("float32")]
    [InlineData("")]
    public void Unknown_names_do_not_parse(string name) =>
        Assert.False(SafetensorsDType.TryParse(name, out _));

    [Fact]
    public void Complex_has_no_safetensors_dtype() =>
        Assert.Throws<ArgumentException>(() => SafetensorsDType.FromScalarType(ScalarType.ComplexFloat32));

    [Fact]
    public void Rank_follows_the_reference_order()
    {
        var names = SafetensorsDType.All.OrderBy(d => d.Rank).Select(d => d.Name);
        Assert.Equal(
            ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "I16", "U16", "F16", "BF16", "I32", "U32", "F32", "F64", "I64", "U64"],
            names);
    }
}
