using System.Diagnostics.CodeAnalysis;
using TorchType = TorchSharp.torch.ScalarType;

namespace Cora.Training.Checkpoints;

/// <summary>
/// An element type of the safetensors format: its header string ("F32", "BF16", …), its size in
/// bytes and the TorchSharp type it loads as. Every instance is one of the static fields; compare
/// them by reference.
/// </summary>
/// <remarks>
/// U16, U32, U64 and the two FP8 types have no TorchSharp equivalent: a file holding them still
/// opens and validates (so that it can be inspected and its other tensors loaded), but such a
/// tensor can only be read as raw bytes.
/// </remarks>
public sealed class SafetensorsDType
{
    // Declared in the reference implementation's order (safetensors `Dtype`, "increasing
    // alignment"): the official writer lays tensors out by this rank, descending, then by name.
    public static readonly SafetensorsDType BOOL = new("BOOL", 1, TorchType.Bool, rank: 0);
    public static readonly SafetensorsDType U8 = new("U8", 1, TorchType.Byte, rank: 1);
    public static readonly SafetensorsDType I8 = new("I8", 1, TorchType.Int8, rank: 2);
    public static readonly SafetensorsDType F8_E5M2 = new("F8_E5M2", 1, null, rank: 3);
    public static readonly SafetensorsDType F8_E4M3 = new("F8_E4M3", 1, null, rank: 4);
    public static readonly SafetensorsDType I16 = new("I16", 2, TorchType.Int16, rank: 5);
    public static readonly SafetensorsDType U16 = new("U16", 2, null, rank: 6);
    public static readonly SafetensorsDType F16 = new("F16", 2, TorchType.Float16, rank: 7);
    public static readonly SafetensorsDType BF16 = new("BF16", 2, TorchType.BFloat16, rank: 8);
    public static readonly SafetensorsDType I32 = new("I32", 4, TorchType.Int32, rank: 9);
    public static readonly SafetensorsDType U32 = new("U32", 4, null, rank: 10);
    public static readonly SafetensorsDType F32 = new("F32", 4, TorchType.Float32, rank: 11);
    public static readonly SafetensorsDType F64 = new("F64", 8, TorchType.Float64, rank: 12);
    public static readonly SafetensorsDType I64 = new("I64", 8, TorchType.Int64, rank: 13);
    public static readonly SafetensorsDType U64 = new("U64", 8, null, rank: 14);

    /// <summary>Every dtype, in the reference implementation's rank order.</summary>
    public static IReadOnlyList<SafetensorsDType> All { get; } =
        [BOOL, U8, I8, F8_E5M2, F8_E4M3, I16, U16, F16, BF16, I32, U32, F32, F64, I64, U64];

    private SafetensorsDType(string name, int elementSize, TorchType? scalarType, int rank)
    {
        Name = name;
        ElementSize = elementSize;
        ScalarType = scalarType;
        Rank = rank;
    }

    /// <summary>The string the header uses, e.g. "BF16".</summary>
    public string Name { get; }

    /// <summary>Bytes per element.</summary>
    public int ElementSize { get; }

    /// <summary>The TorchSharp type a tensor of this dtype loads as; null when TorchSharp has none.</summary>
    public TorchType? ScalarType { get; }

    /// <summary>Position in the reference implementation's dtype order (the writer sorts by it).</summary>
    internal int Rank { get; }

    /// <summary>The dtype whose header string is <paramref name="name"/> (case-sensitive, as the format is).</summary>
    public static bool TryParse(string name, [NotNullWhen(true)] out SafetensorsDType? dtype)
    {
        dtype = All.FirstOrDefault(d => d.Name == name);
        return dtype is not null;
    }

    /// <summary>The dtype a TorchSharp tensor of <paramref name="scalarType"/> is stored as.</summary>
    /// <exception cref="ArgumentException">The type has no safetensors dtype (complex, quantized).</exception>
    public static SafetensorsDType FromScalarType(TorchType scalarType) =>
        All.FirstOrDefault(d => d.ScalarType == scalarType)
        ?? throw new ArgumentException($"TorchSharp type {scalarType} has no safetensors dtype", nameof(scalarType));

    public override string ToString() => Name;
}
