using Cora.Training.Basis;
using static TorchSharp.torch;
using static Cora.Training.Tests.Basis.BasisTestData;

namespace Cora.Training.Tests.Basis;

public sealed class SpectrumAnalysisTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Counts_on_a_known_spectrum()
    {
        using var scope = NewDisposeScope();
        // Energies 100, 9, 1, 0.01 of 110.01: 90% needs 1 value, 99% needs 2, and the rank is 4.
        var m = WithSpectrum(20, 30, [10, 3, 1, 0.1], seed: 2);
        var (k90, k99, full) = SpectrumAnalysis.Counts(linalg.svdvals(m), 20, 30);
        Assert.Equal((1L, 2L, 4L), (k90, k99, full));
    }

    [Fact]
    public void Analysis_of_sources_with_a_known_spectrum_per_layer()
    {
        // Layer ℓ of the source has q = k = v = U diag(σ_ℓ) Vᵀ with rank 3 + ℓ, all singular values
        // equal: [W | W | W] has the same rank and equal energies, so 90% needs ceil(0.9 · rank).
        var config = Config(hidden: 16, layers: 2, heads: 2, kvHeads: 2);
        var source = WriteSource(_temp.File("src"), config, (layer, _) =>
            WithSpectrum(16, 16, [.. Enumerable.Repeat(1.0, 3 + layer)], seed: layer));
        var rows = SpectrumAnalysis.Analyze([source], BasisMode.SharedQkv);
        Assert.Equal(
            [new SpectrumRow(0, "qkv", 16, 3, 3, 3), new SpectrumRow(1, "qkv", 16, 4, 4, 4)],
            rows);
        var perProjection = SpectrumAnalysis.Analyze([source], BasisMode.PerProjection, [1]);
        Assert.Equal(["q_proj", "k_proj", "v_proj"], perProjection.Select(r => r.Block));
        Assert.All(perProjection, r => Assert.Equal(4, r.Full));
    }
}
