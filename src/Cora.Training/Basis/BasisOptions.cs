namespace Cora.Training.Basis;

/// <summary>What <see cref="BasisExtractor.Extract"/> computes.</summary>
/// <param name="Sources">Source checkpoint directories (at least one), in the order given.</param>
/// <param name="MaxRank">R: the basis keeps this many columns; every smaller rank is a prefix.</param>
/// <param name="Output">The safetensors file to write (atomically).</param>
/// <param name="Layers">Layers to extract; null for all.</param>
public sealed record BasisOptions(
    IReadOnlyList<string> Sources,
    int MaxRank,
    string Output,
    BasisMode Mode = BasisMode.SharedQkv,
    BasisMethod Method = BasisMethods.Default,
    IReadOnlyList<int>? Layers = null);
