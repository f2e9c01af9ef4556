namespace Cora.Training.Basis;

/// <summary>
/// Which weights make up each basis of a layer ("blocks"), and the tensor names of a basis file.
/// Shared mode has one block per layer, <c>qkv</c> (q, k, v stacked); per-projection mode has
/// three, named after the projection (<c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>).
/// </summary>
public static class BasisLayout
{
    public const string SharedBlock = "qkv";

    /// <summary>The attention projections CoRA puts a basis on, in stacking order.</summary>
    public static readonly IReadOnlyList<string> Projections = ["q_proj", "k_proj", "v_proj"];

    /// <summary>The blocks of one layer, each with the projections whose weights it stacks.</summary>
    public static IReadOnlyList<(string Block, IReadOnlyList<string> Projections)> Blocks(BasisMode mode) => mode switch
    {
        BasisMode.SharedQkv => [(SharedBlock, Projections)],
        BasisMode.PerProjection => [.. Projections.Select(p => (p, (IReadOnlyList<string>)[p]))],
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    /// <summary>The block that serves <paramref name="projection"/> in <paramref name="mode"/>.</summary>
    public static string BlockOf(BasisMode mode, string projection) =>
        mode == BasisMode.SharedQkv ? SharedBlock : projection;

    /// <summary><c>model.layers.{i}.self_attn.{p}.weight</c>: a source model's projection weight.</summary>
    public static string WeightName(int layer, string projection) => $"model.layers.{layer}.self_attn.{projection}.weight";

    /// <summary>The basis tensor, <c>(out, R)</c>: <c>…self_attn.qkv_basis</c> or <c>…self_attn.q_proj.basis</c>.</summary>
    public static string BasisName(int layer, string block) =>
        block == SharedBlock ? $"model.layers.{layer}.self_attn.qkv_basis" : $"model.layers.{layer}.self_attn.{block}.basis";

    /// <summary>The singular values, <c>(R)</c>: <c>…self_attn.qkv_singular_values</c> or <c>…self_attn.q_proj.singular_values</c>.</summary>
    public static string SingularValuesName(int layer, string block) =>
        block == SharedBlock ? $"model.layers.{layer}.self_attn.qkv_singular_values" : $"model.layers.{layer}.self_attn.{block}.singular_values";
}
