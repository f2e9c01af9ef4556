using Cora.Training.Checkpoints;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Checkpoints;

/// <summary>The chunked path that tensors above 64 MiB take, exercised with small chunks.</summary>
public sealed class TensorBytesTests
{
    [Fact]
    public void Chunks_cover_the_tensor_bytes_in_order()
    {
        using var values = arange(1001, ScalarType.Float64).reshape(7, 143);
        var expected = values.bytes.ToArray();
        var seen = new List<byte>();
        var offsets = new List<long>();
        TensorBytes.ForEachChunk(values, (chunk, offset) =>
        {
            offsets.Add(offset);
            seen.AddRange(chunk.ToArray());
        }, chunkBytes: 100);
        Assert.Equal(expected, seen);
        // 100 bytes round down to 12 doubles (96 bytes) a chunk.
        Assert.Equal(Enumerable.Range(0, 84).Select(k => k * 96L), offsets);
    }

    [Fact]
    public void Writing_through_chunks_fills_the_tensor()
    {
        using var target = zeros(1000, ScalarType.Int16);
        TensorBytes.ForEachChunk(target, (chunk, offset) => chunk.Fill((byte)(offset / 64)), chunkBytes: 64);
        var bytes = target.bytes.ToArray();
        Assert.Equal(Enumerable.Range(0, 2000).Select(i => (byte)(i / 64)), bytes);
    }

    [Fact]
    public void Non_contiguous_tensors_are_refused()
    {
        using var matrix = ones(3, 4);
        using var transposed = matrix.t();
        Assert.Throws<ArgumentException>(() => TensorBytes.ForEachChunk(transposed, (_, _) => { }));
    }
}
