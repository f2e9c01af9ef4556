namespace Cora.Training.Basis;

/// <summary>What <see cref="BasisExtractor.Extract"/> wrote.</summary>
/// <param name="Output">Absolute path of the basis file.</param>
/// <param name="Fallbacks">Blocks where the randomised method did not converge and eigh ran instead.</param>
public sealed record BasisResult(
    string Output,
    BasisMode Mode,
    BasisMethod Method,
    int Rank,
    IReadOnlyList<int> Layers,
    IReadOnlyList<BasisSource> Sources,
    double Seconds,
    int Fallbacks);
