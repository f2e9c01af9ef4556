using Cora.Training.Model;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Model;

/// <summary>
/// RoPE frequencies per type against float64 computations written here from transformers'
/// formulas (<c>modeling_rope_utils.py</c>), and the scaled RoPE reaching the model. The default
/// RoPE is checked end to end by <see cref="LlamaFixtureTests"/>.
/// </summary>
public sealed class RotaryEmbeddingTests
{
    /// <summary>transformers' default inverse frequency i of a head_dim-wide head.</summary>
    private static double Default(double theta, int i, int headDim) => 1.0 / Math.Pow(theta, 2.0 * i / headDim);

    [Fact]
    public void Default_frequencies_are_powers_of_theta()
    {
        var frequencies = RotaryEmbedding.InverseFrequencies(8, new RopeParameters { Theta = 10000 });
        Assert.Equal([1.0, 0.1, 0.01, 0.001], frequencies.Select(f => Math.Round(f, 15)));
    }

    [Theory]
    [InlineData(2.0)]
    [InlineData(4.0)]
    [InlineData(2.5)]
    public void Linear_divides_every_frequency_by_the_factor(double factor)
    {
        var frequencies = RotaryEmbedding.InverseFrequencies(64, new RopeParameters { Type = RopeType.Linear, Theta = 10000, Factor = factor });
        Assert.Equal(32, frequencies.Length);
        for (var i = 0; i < 32; i++)
            Assert.Equal(Default(10000, i, 64) / factor, frequencies[i]);
    }

    [Fact]
    public void Linear_at_position_f_times_p_is_default_at_p()
    {
        // Linear scaling is position interpolation: angles at f·p equal the default RoPE's at p.
        var linear = new RotaryEmbedding(16, new RopeParameters { Type = RopeType.Linear, Theta = 500000, Factor = 2 });
        var plain = new RotaryEmbedding(16, new RopeParameters { Theta = 500000 });
        using var positions = arange(0L, 12L).view(1, -1);
        using var doubled = positions * 2;
        using var scope = NewDisposeScope();
        var (cosScaled, sinScaled) = linear.Tables(doubled, ScalarType.Float64);
        var (cos, sin) = plain.Tables(positions, ScalarType.Float64);
        Assert.True(cosScaled.allclose(cos, rtol: 0, atol: 1e-15));
        Assert.True(sinScaled.allclose(sin, rtol: 0, atol: 1e-15));
        Assert.False(plain.Tables(doubled, ScalarType.Float64).Cos.allclose(cos, rtol: 0, atol: 1e-3));
    }

    private static readonly RopeParameters Llama31 = RopeParametersTests.Llama31;

    [Theory]
    // Wavelength 2π·500000^(i/64) < 8192/4 = 2048 up to i = 28: kept.
    [InlineData(0, "high")]
    [InlineData(10, "high")]
    [InlineData(28, "high")]
    // Between 2048 and 8192 (i = 29..34): blended.
    [InlineData(29, "middle")]
    [InlineData(31, "middle")]
    [InlineData(34, "middle")]
    // Above 8192/1 = 8192 from i = 35: divided by 8.
    [InlineData(35, "low")]
    [InlineData(50, "low")]
    [InlineData(63, "low")]
    public void Llama3_keeps_high_frequencies_slows_low_ones_and_blends_between(int i, string band)
    {
        var frequencies = RotaryEmbedding.InverseFrequencies(128, Llama31);
        Assert.Equal(64, frequencies.Length);
        var plain = Default(500000, i, 128);
        var wavelength = 2 * Math.PI / plain;
        switch (band)
        {
            case "high":
                Assert.True(wavelength < 2048, $"wavelength {wavelength}");
                Assert.Equal(plain, frequencies[i]);
                break;
            case "low":
                Assert.True(wavelength > 8192, $"wavelength {wavelength}");
                Assert.Equal(plain / 8, frequencies[i]);
                break;
            default:
                Assert.InRange(wavelength, 2048, 8192);
                // smooth = (original / wavelength − low) / (high − low); result = (1 − smooth)·f/factor + smooth·f.
                var smooth = (8192 / wavelength - 1) / (4 - 1);
                Assert.InRange(smooth, 0, 1);
                var expected = (1 - smooth) * plain / 8 + smooth * plain;
                Assert.Equal(expected, frequencies[i], 1e-15 * plain);
                Assert.InRange(frequencies[i], plain / 8, plain);
                break;
        }
    }

    [Fact]
    public void Llama3_frequencies_fall_monotonically()
    {
        // The blend joins the bands without a jump: the frequencies still decrease with i.
        var frequencies = RotaryEmbedding.InverseFrequencies(128, Llama31);
        for (var i = 1; i < frequencies.Length; i++)
            Assert.True(frequencies[i] < frequencies[i - 1], $"frequency {i}");
    }

    [Fact]
    public void The_model_uses_the_configured_rope()
    {
        var config = LlamaForCausalLMTests.TinyConfig();
        using var ids = tensor(new long[] { 3, 17, 5, 9, 30, 2, 11 }).view(1, -1);
        using var _ = no_grad();
        Tensor Logits(RopeParameters rope)
        {
            using var model = LlamaForCausalLMTests.Model(config with { Rope = rope });
            return model.Forward(ids);
        }
        using var plain = Logits(new RopeParameters());
        using var unit = Logits(new RopeParameters { Type = RopeType.Linear, Factor = 1 });
        using var scaled = Logits(new RopeParameters { Type = RopeType.Linear, Factor = 4 });
        Assert.True(unit.equal(plain).all().item<bool>(), "factor 1 is the default RoPE");
        // Position 0 has angle 0 whatever the frequencies; every later one moves.
        Assert.True(scaled[0, 0].equal(plain[0, 0]).all().item<bool>());
        for (var t = 1; t < 7; t++)
            Assert.False(scaled[0, t].allclose(plain[0, t], rtol: 0, atol: 1e-4), $"position {t}");
    }
}
