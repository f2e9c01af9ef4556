namespace Cora.Training.Basis;

/// <summary>
/// How many singular values of one block (layer, <c>qkv</c> or a projection) explain 90%, 99% and
/// 100% of its energy (Σσ², the squared Frobenius norm) — the paper's Figure 4 analysis.
/// </summary>
/// <param name="Available">min(rows, columns): the most singular values the block has.</param>
/// <param name="Full">The numerical rank: singular values above σ_max · max(rows, columns) · ε
/// (numpy's matrix_rank rule, with float32's ε because weights are stored in float32 or narrower);
/// below that they are storage rounding, not energy.</param>
public sealed record SpectrumRow(int Layer, string Block, long Available, long Energy90, long Energy99, long Full);
