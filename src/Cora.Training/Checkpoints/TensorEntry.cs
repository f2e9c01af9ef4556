namespace Cora.Training.Checkpoints;

/// <summary>
/// One tensor as a safetensors header describes it. <see cref="DataBegin"/> and
/// <see cref="DataEnd"/> are the header's <c>data_offsets</c>: byte offsets relative to the start of
/// the data section (which follows the 8-byte length and the header), end exclusive.
/// Entries that come out of <see cref="SafetensorsFile"/> have been validated: the offsets lie in the
/// data section and span exactly <see cref="ElementCount"/> × element size bytes.
/// </summary>
/// <remarks>Shape is a list, so record equality compares it by reference; compare shapes with SequenceEqual.</remarks>
public sealed record TensorEntry(
    string Name,
    SafetensorsDType DType,
    IReadOnlyList<long> Shape,
    long DataBegin,
    long DataEnd)
{
    /// <summary>Number of elements: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount { get; } = Shape.Aggregate(1L, (count, dim) => checked(count * dim));

    /// <summary>Bytes of data: <c>DataEnd - DataBegin</c>.</summary>
    public long ByteSize => DataEnd - DataBegin;
}
