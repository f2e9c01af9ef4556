namespace Cora.Training.Basis;

/// <summary>How the top-R left singular vectors are computed. All give the same subspace
/// (tests hold each against <see cref="Svd"/>); they differ in cost.</summary>
public enum BasisMethod
{
    /// <summary>Eigenvectors of the Gram matrix <c>M Mᵀ = Σ_p W_p W_pᵀ</c> (out × out).</summary>
    Eigh,

    /// <summary>Exact thin SVD of <c>M</c> (out × 3·in): the reference, and the slowest.</summary>
    Svd,

    /// <summary>Seeded randomised subspace iteration on <c>M Mᵀ</c> with a residual-based stopping
    /// rule; falls back to <see cref="Eigh"/> for a layer where it does not converge.</summary>
    Randomized,
}

/// <summary>The command-line and metadata names of <see cref="BasisMethod"/>.</summary>
public static class BasisMethods
{
    public static readonly IReadOnlyList<string> Names = ["eigh", "svd", "randomized"];

    /// <summary>The method used when none is given; see bench/basis-memory/RESULTS.md for why.</summary>
    public const BasisMethod Default = BasisMethod.Eigh;

    public static string Name(this BasisMethod method) => method switch
    {
        BasisMethod.Eigh => "eigh",
        BasisMethod.Svd => "svd",
        BasisMethod.Randomized => "randomized",
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    /// <exception cref="InvalidInputException">Not one of <see cref="Names"/>.</exception>
    public static BasisMethod Parse(string name) => name switch
    {
        "eigh" => BasisMethod.Eigh,
        "svd" => BasisMethod.Svd,
        "randomized" => BasisMethod.Randomized,
        _ => throw new InvalidInputException($"method '{name}' is not one of {string.Join(", ", Names)}"),
    };
}
