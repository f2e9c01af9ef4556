using Cora.Training.Diagnostics;
using static TorchSharp.torch;

namespace Cora.Training.Basis;

/// <summary>
/// The spectrum of the averaged q/k/v of each layer (streamed like <see cref="BasisExtractor"/>):
/// exact singular values of each block in float64, reduced to energy counts.
/// </summary>
public static class SpectrumAnalysis
{
    /// <summary>
    /// Machine epsilon of float32 (2^-23). Source weights are stored in float32 or narrower, so
    /// singular values below σ_max · max(m, n) · ε32 are storage rounding, not energy.
    /// </summary>
    private const double Float32Epsilon = 1.1920928955078125e-07;

    /// <exception cref="InvalidInputException">Bad sources, GQA with shared-qkv, bad layers.</exception>
    public static IReadOnlyList<SpectrumRow> Analyze(
        IReadOnlyList<string> sourcePaths, BasisMode mode, IReadOnlyList<int>? layers = null,
        IProgress<BasisProgress>? progress = null, CancellationToken cancellation = default)
    {
        using var sources = SourceModels.Open(sourcePaths);
        var selected = BasisExtractor.CheckedLayers(layers, sources.Config.NumHiddenLayers);
        BasisExtractor.CheckShapes(sources, mode, rank: 1, selected[0]);
        var rows = new List<SpectrumRow>();
        for (var i = 0; i < selected.Count; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            var layer = selected[i];
            using (NewDisposeScope())
            {
                var weights = BasisLayout.Projections.ToDictionary(p => p, p => sources.Mean(BasisLayout.WeightName(layer, p)));
                foreach (var (block, projections) in BasisLayout.Blocks(mode))
                {
                    var stacked = cat([.. projections.Select(p => weights[p])], 1);  // (out, Σ in)
                    var (k90, k99, full) = Counts(linalg.svdvals(stacked), stacked.shape[0], stacked.shape[1]);
                    rows.Add(new SpectrumRow(layer, block, Math.Min(stacked.shape[0], stacked.shape[1]), k90, k99, full));
                }
            }
            FreedMemory.Release();
            progress?.Report(new BasisProgress("spectrum", i + 1, selected.Count, $"layer {layer}"));
        }
        return rows;
    }

    /// <summary>
    /// From singular values in decreasing order (float64) of a rows × columns matrix: the fewest
    /// leading ones whose energy reaches 90% and 99% of the total, and the numerical rank at float32
    /// precision (never below the 99% count).
    /// </summary>
    public static (long Energy90, long Energy99, long Full) Counts(Tensor singularValues, long rows, long columns)
    {
        using var scope = NewDisposeScope();
        var s = singularValues.to(ScalarType.Float64);
        var energy = s.square().cumsum(0);                           // (n) running energy
        var total = energy[-1].item<double>();
        if (total == 0) return (0, 0, 0);
        long Reach(double fraction) => Math.Min(energy.lt(fraction * total).sum().item<long>() + 1, s.shape[0]);
        var tolerance = s[0].item<double>() * Math.Max(rows, columns) * Float32Epsilon;
        var rank = s.gt(tolerance).sum().item<long>();
        var k99 = Reach(0.99);
        return (Reach(0.90), k99, Math.Max(rank, k99));
    }
}
