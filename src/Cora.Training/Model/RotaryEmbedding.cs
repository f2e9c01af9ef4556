using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Rotary position embeddings in Hugging Face's convention ("default" RoPE): frequencies
/// <c>1 / theta^(2i/d)</c>, angles duplicated as <c>cat(freqs, freqs)</c> (not interleaved), and
/// <c>rotate_half(x) = cat(-x[d/2:], x[:d/2])</c>. Angles are computed in float64 and rounded once.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly double[] _inverseFrequencies;

    public RotaryEmbedding(int headDim, double theta)
    {
        _inverseFrequencies = new double[headDim / 2];
        for (var i = 0; i < headDim / 2; i++)
            _inverseFrequencies[i] = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
    }

    /// <summary>cos and sin tables for the given positions, shaped to broadcast over heads.</summary>
    /// <param name="positions">(B, T) int64 positions.</param>
    /// <returns>cos, sin: (B, 1, T, head_dim) in <paramref name="dtype"/>.</returns>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var inv = tensor(_inverseFrequencies, float64, positions.device);
        var freqs = positions.to(float64).unsqueeze(-1) * inv;    // (B, T, d/2)
        var angles = cat([freqs, freqs], -1).unsqueeze(1);        // (B, 1, T, d)
        var cos = angles.cos().to(dtype).MoveToOuterDisposeScope();
        var sin = angles.sin().to(dtype).MoveToOuterDisposeScope();
        return (cos, sin);
    }

    /// <summary>Rotates q or k: <c>x*cos + rotate_half(x)*sin</c>. x: (B, H, T, d).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        var half = x.shape[^1] / 2;
        var rotated = cat([-x[TensorIndex.Ellipsis, TensorIndex.Slice(half)], x[TensorIndex.Ellipsis, TensorIndex.Slice(0, half)]], -1);
        return (x * cos + rotated * sin).MoveToOuterDisposeScope();
    }
}
