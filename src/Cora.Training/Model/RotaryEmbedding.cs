using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Rotary position embeddings in Hugging Face's convention: frequencies <c>1 / theta^(2i/d)</c>,
/// rescaled as the <see cref="RopeParameters.Type"/> says, angles duplicated as
/// <c>cat(freqs, freqs)</c> (not interleaved), and <c>rotate_half(x) = cat(-x[d/2:], x[:d/2])</c>.
/// Frequencies and angles are computed in float64 and rounded once. None of the implemented types
/// scales cos and sin (transformers' attention factor is 1 for them).
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly double[] _inverseFrequencies;

    public RotaryEmbedding(int headDim, RopeParameters rope) => _inverseFrequencies = InverseFrequencies(headDim, rope);

    /// <summary>The head_dim / 2 angular frequencies (radians per position), in float64.</summary>
    public static double[] InverseFrequencies(int headDim, RopeParameters rope)
    {
        var frequencies = new double[headDim / 2];
        for (var i = 0; i < frequencies.Length; i++)
        {
            var frequency = 1.0 / Math.Pow(rope.Theta, 2.0 * i / headDim);
            frequencies[i] = rope.Type switch
            {
                RopeType.Default => frequency,
                // Dividing positions by factor, applied to the frequencies instead: the angle is their product.
                RopeType.Linear => frequency / rope.Factor!.Value,
                RopeType.Llama3 => Llama3(frequency, rope),
                _ => throw new InvalidOperationException($"RoPE type {rope.Type} has no frequencies"),
            };
        }
        return frequencies;
    }

    /// <summary>
    /// Llama 3.1's rescaling (transformers' <c>_compute_llama3_parameters</c>): a frequency whose
    /// wavelength is shorter than original / high_freq_factor positions is kept, one longer than
    /// original / low_freq_factor is divided by factor, and in between the two are blended with a
    /// weight linear in original / wavelength (0 at the long end, 1 at the short end).
    /// </summary>
    private static double Llama3(double frequency, RopeParameters rope)
    {
        var (factor, low, high, original) = (rope.Factor!.Value, rope.LowFreqFactor!.Value, rope.HighFreqFactor!.Value, (double)rope.OriginalMaxPositionEmbeddings!.Value);
        var wavelength = 2 * Math.PI / frequency;
        if (wavelength < original / high) return frequency;
        if (wavelength > original / low) return frequency / factor;
        var smooth = (original / wavelength - low) / (high - low);
        return (1 - smooth) * frequency / factor + smooth * frequency;
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
