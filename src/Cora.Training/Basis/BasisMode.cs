namespace Cora.Training.Basis;

/// <summary>Which weights one basis spans.</summary>
public enum BasisMode
{
    /// <summary>One basis per layer for q, k and v together: the left singular vectors of
    /// <c>[Wq | Wk | Wv]</c> (the paper's method). Needs equal q/k/v output widths (no GQA).</summary>
    SharedQkv,

    /// <summary>One basis per layer and projection: the left singular vectors of each averaged
    /// <c>W_p</c>. Works for grouped-query attention too.</summary>
    PerProjection,
}

/// <summary>The command-line and metadata names of <see cref="BasisMode"/>.</summary>
public static class BasisModes
{
    public static readonly IReadOnlyList<string> Names = ["shared-qkv", "per-projection"];

    public static string Name(this BasisMode mode) => mode switch
    {
        BasisMode.SharedQkv => "shared-qkv",
        BasisMode.PerProjection => "per-projection",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <exception cref="InvalidInputException">Not one of <see cref="Names"/>.</exception>
    public static BasisMode Parse(string name) => name switch
    {
        "shared-qkv" => BasisMode.SharedQkv,
        "per-projection" => BasisMode.PerProjection,
        _ => throw new InvalidInputException($"mode '{name}' is not one of {string.Join(", ", Names)}"),
    };
}
