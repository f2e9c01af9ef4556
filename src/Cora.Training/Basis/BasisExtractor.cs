using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cora.Training.Checkpoints;
using Cora.Training.Diagnostics;
using static TorchSharp.torch;

namespace Cora.Training.Basis;

/// <summary>
/// Computes CoRA's common basis (DESIGN.md §1): for each layer, the mean over sources of q/k/v
/// (paper eq. 2), then the top-R left singular vectors of <c>[Wq | Wk | Wv]</c> (shared-qkv) or of
/// each projection (per-projection), written to one safetensors file in float32.
/// </summary>
/// <remarks>
/// Memory: layers are streamed. At any time it holds one layer's averaged q/k/v (float64), one
/// source tensor being added, the solver's workspace, and the finished bases (out × R per block,
/// a few MB even for 13B at R = 48). Source files are memory-mapped, so their pages count as
/// file-backed, reclaimable memory, not as the process's own.
/// The file is written atomically at the end: an interrupted run leaves no partial basis.
/// </remarks>
public static class BasisExtractor
{
    /// <summary>Metadata keys of a basis file (values are strings, as safetensors requires).</summary>
    public static class MetadataKeys
    {
        public const string Format = "format";
        public const string Kind = "cora.kind";
        public const string Mode = "cora.mode";
        public const string Method = "cora.method";
        public const string Rank = "cora.rank";
        public const string Layers = "cora.layers";
        /// <summary>JSON array of {"path", "absolute_path", "sha256"}, in source order.</summary>
        public const string Sources = "cora.sources";
        /// <summary>JSON object {basis tensor name: ‖M‖_F²} — the total energy Σσ² over all singular
        /// values of each block, so that the stored top-R values give an exact explained-energy
        /// fraction. Absent in files written before it was added.</summary>
        public const string TotalEnergy = "cora.total_energy";
    }

    public const string Kind = "cora-basis";

    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <exception cref="InvalidInputException">Bad sources, GQA with shared-qkv, a rank the weights cannot hold, bad layers.</exception>
    /// <exception cref="DirectoryNotFoundException">A source directory does not exist.</exception>
    public static BasisResult Extract(BasisOptions options, IProgress<BasisProgress>? progress = null, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        using var sources = SourceModels.Open(options.Sources);
        var layers = CheckedLayers(options.Layers, sources.Config.NumHiddenLayers);
        var blocks = BasisLayout.Blocks(options.Mode);
        CheckShapes(sources, options.Mode, options.MaxRank, layers[0]);

        // Each source's content hash is computed while its q/k/v are read for the mean, so they come
        // off the disk once; layers ascending and q, k, v within a layer is SourceDigest's order.
        var digests = sources.NewDigests();
        var tensors = new List<(string Name, Tensor Tensor)>();
        var energy = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var fallbacks = 0;
        try
        {
            for (var i = 0; i < layers.Count; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var layer = layers[i];
                using (NewDisposeScope())
                {
                    // One layer's averaged q/k/v, (out_p, in) each, float64.
                    var weights = BasisLayout.Projections.ToDictionary(p => p, p => sources.Mean(BasisLayout.WeightName(layer, p), digests));
                    foreach (var (block, projections) in blocks)
                    {
                        using var subspace = SubspaceSolver.Solve([.. projections.Select(p => weights[p])], options.MaxRank, options.Method, seed: layer);
                        if (subspace.FellBack) fallbacks++;
                        // ‖[W_1 | … | W_k]‖_F² = Σ_p ‖W_p‖_F² = Σσ² over the whole spectrum.
                        energy[BasisLayout.BasisName(layer, block)] = projections.Sum(p => weights[p].square().sum().item<double>());
                        tensors.Add((BasisLayout.BasisName(layer, block), subspace.Basis.to(ScalarType.Float32).MoveToOuterDisposeScope()));
                        tensors.Add((BasisLayout.SingularValuesName(layer, block), subspace.SingularValues.to(ScalarType.Float32).MoveToOuterDisposeScope()));
                    }
                }
                FreedMemory.Release();  // so that peak memory stays one layer's, whatever the width
                progress?.Report(new BasisProgress("extracting", i + 1, layers.Count, $"layer {layer}"));
            }
            var described = sources.Describe(digests);
            var output = Path.GetFullPath(options.Output);
            SafetensorsWriter.Write(output, tensors, Metadata(options, layers, described, energy));
            return new BasisResult(output, options.Mode, options.Method, options.MaxRank, layers, described, clock.Elapsed.TotalSeconds, fallbacks);
        }
        finally
        {
            tensors.ForEach(t => t.Tensor.Dispose());
            foreach (var digest in digests) digest.Dispose();
        }
    }

    internal static IReadOnlyList<int> CheckedLayers(IReadOnlyList<int>? layers, int layerCount)
    {
        if (layers is null) return [.. Enumerable.Range(0, layerCount)];
        if (layers.Count == 0) throw new InvalidInputException("--layers: no layers given");
        var bad = layers.Where(l => l < 0 || l >= layerCount).Select(l => (int?)l).FirstOrDefault();
        if (bad is not null)
            throw new InvalidInputException($"--layers: layer {bad} does not exist (the sources have layers 0..{layerCount - 1})");
        return [.. layers.Distinct().Order()];
    }

    /// <summary>
    /// Checks that the mode fits the architecture and that R fits every block. Every layer has the
    /// same shapes (checked when the sources were opened), so one layer speaks for all.
    /// </summary>
    internal static void CheckShapes(SourceModels sources, BasisMode mode, int rank, int layer)
    {
        var config = sources.Config;
        if (mode == BasisMode.SharedQkv && config.IsGroupedQuery)
            throw new InvalidInputException(
                $"{sources.Paths[0]}: grouped-query attention ({config.NumAttentionHeads} query heads, {config.NumKeyValueHeads} key/value heads): " +
                $"q_proj has {sources.OutFeatures("q_proj")} outputs but k_proj/v_proj have {sources.OutFeatures("k_proj")}, so [Wq | Wk | Wv] " +
                "cannot be stacked; use --mode per-projection");
        if (rank < 1) throw new InvalidInputException($"--max-rank: must be at least 1 (got {rank})");
        foreach (var (block, projections) in BasisLayout.Blocks(mode))
        {
            var rows = sources.OutFeatures(projections[0]);
            var columns = (long)config.HiddenSize * projections.Count;
            var available = Math.Min(rows, columns);
            if (rank > available)
                throw new InvalidInputException(
                    $"--max-rank {rank} exceeds the rank available at layer {layer} {block}: min(out {rows}, in {columns}) = {available}");
        }
    }

    private static Dictionary<string, string> Metadata(BasisOptions options, IReadOnlyList<int> layers, IReadOnlyList<BasisSource> sources,
        IReadOnlyDictionary<string, double> totalEnergy) => new()
    {
        [MetadataKeys.Format] = "pt",
        [MetadataKeys.Kind] = Kind,
        [MetadataKeys.Mode] = options.Mode.Name(),
        [MetadataKeys.Method] = options.Method.Name(),
        [MetadataKeys.Rank] = options.MaxRank.ToString(CultureInfo.InvariantCulture),
        [MetadataKeys.Layers] = string.Join(",", layers),
        [MetadataKeys.Sources] = JsonSerializer.Serialize(sources, Json),
        [MetadataKeys.TotalEnergy] = JsonSerializer.Serialize(totalEnergy),
    };
}
