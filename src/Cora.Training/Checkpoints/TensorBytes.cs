using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Checkpoints;

/// <summary>
/// The raw bytes of a contiguous CPU tensor, a chunk at a time. TorchSharp's <c>Tensor.bytes</c>
/// is a <see cref="Span{T}"/> and so stops at 2 GiB; a large embedding can pass that, so larger
/// tensors are visited through contiguous 1-D slices (views: nothing is copied to get them).
/// </summary>
internal static class TensorBytes
{
    /// <summary>Bytes per chunk: large enough to copy at memory speed, far below the span limit.</summary>
    public const long ChunkBytes = 64L << 20;

    /// <summary>Receives one chunk of the tensor's memory and where it starts in the whole.</summary>
    public delegate void ChunkAction(Span<byte> chunk, long offset);

    /// <summary>
    /// Calls <paramref name="action"/> on consecutive chunks covering the tensor's bytes in C order.
    /// The spans point into the tensor's own memory: writing to them writes the tensor.
    /// </summary>
    /// <param name="chunkBytes">Upper bound on a chunk's size (rounded down to whole elements); tests make it small.</param>
    public static void ForEachChunk(Tensor tensor, ChunkAction action, long chunkBytes = ChunkBytes)
    {
        if (tensor.device_type != DeviceType.CPU || !tensor.is_contiguous())
        {
            throw new ArgumentException("expected a contiguous CPU tensor", nameof(tensor));
        }
        var elementSize = tensor.ElementSize;
        var totalBytes = tensor.NumberOfElements * elementSize;
        if (totalBytes == 0)
        {
            return;
        }
        if (totalBytes <= chunkBytes)
        {
            action(tensor.bytes, 0);
            return;
        }
        var elementsPerChunk = Math.Max(1, chunkBytes / elementSize);
        using var flat = tensor.view(-1);
        for (long start = 0; start < tensor.NumberOfElements; start += elementsPerChunk)
        {
            var count = Math.Min(elementsPerChunk, tensor.NumberOfElements - start);
            using var slice = flat.narrow(0, start, count);
            action(slice.bytes, start * elementSize);
        }
    }
}
