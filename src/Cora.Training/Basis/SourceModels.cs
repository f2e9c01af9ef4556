using Cora.Training.Checkpoints;
using Cora.Training.Model;
using static TorchSharp.torch;

namespace Cora.Training.Basis;

/// <summary>
/// The n source checkpoints of a basis, opened (memory-mapped, nothing loaded) and checked to share
/// one architecture. <see cref="Mean"/> reads one tensor from every source at a time, so a caller
/// that goes layer by layer holds one layer's weights, never a whole model.
/// </summary>
public sealed class SourceModels : IDisposable
{
    /// <summary>The config keys that decide the shapes of q/k/v and the number of layers.</summary>
    private static readonly (string Key, Func<LlamaConfig, int> Value)[] ArchitectureKeys =
    [
        ("num_hidden_layers", c => c.NumHiddenLayers),
        ("hidden_size", c => c.HiddenSize),
        ("num_attention_heads", c => c.NumAttentionHeads),
        ("num_key_value_heads", c => c.NumKeyValueHeads),
        ("head_dim", c => c.HeadDim),
    ];

    private readonly IReadOnlyList<SafetensorsCheckpoint> _checkpoints;

    private SourceModels(IReadOnlyList<string> paths, LlamaConfig config, IReadOnlyList<SafetensorsCheckpoint> checkpoints)
    {
        Paths = paths;
        Config = config;
        _checkpoints = checkpoints;
    }

    /// <summary>The source directories as given.</summary>
    public IReadOnlyList<string> Paths { get; }

    /// <summary>The shared architecture (the first source's config).</summary>
    public LlamaConfig Config { get; }

    public int Count => _checkpoints.Count;

    /// <summary>Output width of a projection: heads × head_dim for q, kv_heads × head_dim for k and v.</summary>
    public long OutFeatures(string projection) =>
        (projection == "q_proj" ? Config.NumAttentionHeads : Config.NumKeyValueHeads) * (long)Config.HeadDim;

    /// <summary>
    /// Opens and checks every source: it exists, has a valid config and weights, its architecture
    /// equals the first source's, and every layer's q/k/v weight is present with the shape the
    /// config implies. Errors name the source (as given) and what differs.
    /// </summary>
    /// <exception cref="InvalidInputException">No sources, or a source that is invalid or differs.</exception>
    /// <exception cref="DirectoryNotFoundException">A source directory does not exist.</exception>
    public static SourceModels Open(IReadOnlyList<string> paths)
    {
        if (paths.Count == 0) throw new InvalidInputException("--sources: no source directories given");
        var duplicate = paths.GroupBy(Path.GetFullPath).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new InvalidInputException($"--sources: {duplicate.First()} is given {duplicate.Count()} times (each source counts once in the mean)");
        var checkpoints = new List<SafetensorsCheckpoint>();
        var opened = false;
        try
        {
            LlamaConfig? first = null;
            foreach (var path in paths)
            {
                if (!Directory.Exists(path)) throw new DirectoryNotFoundException($"{path}: no such source directory");
                var config = LlamaConfig.Load(Path.Combine(path, LlamaCheckpoint.ConfigFileName));
                first ??= config;
                foreach (var (key, value) in ArchitectureKeys)
                {
                    if (value(config) != value(first))
                        throw new InvalidInputException(
                            $"{path}: {key} {value(config)}, but {paths[0]} has {value(first)} (sources must share one architecture)");
                }
                checkpoints.Add(SafetensorsCheckpoint.Open(path));
            }
            var sources = new SourceModels(paths, first!, checkpoints);
            sources.CheckWeights();
            opened = true;
            return sources;
        }
        finally
        {
            if (!opened) checkpoints.ForEach(c => c.Dispose());
        }
    }

    private void CheckWeights()
    {
        for (var i = 0; i < Count; i++)
        {
            for (var layer = 0; layer < Config.NumHiddenLayers; layer++)
            {
                foreach (var projection in BasisLayout.Projections)
                {
                    var name = BasisLayout.WeightName(layer, projection);
                    if (!_checkpoints[i].Contains(name))
                        throw new InvalidInputException($"{Paths[i]}: no tensor '{name}'");
                    var shape = _checkpoints[i].Entry(name).Shape;
                    long[] expected = [OutFeatures(projection), Config.HiddenSize];
                    if (!shape.SequenceEqual(expected))
                        throw new InvalidInputException(
                            $"{Paths[i]}: tensor '{name}' has shape [{string.Join(", ", shape)}], config.json implies [{string.Join(", ", expected)}]");
                }
            }
        }
    }

    /// <summary>
    /// The mean over sources of tensor <paramref name="name"/> (paper eq. 2), in float64: exact
    /// enough that the result does not depend on the order of sources beyond the last bit, and the
    /// precision the Gram-matrix eigendecomposition needs (it squares the condition number). Holds
    /// the running sum and one source's copy at a time. With <paramref name="digests"/> (one per
    /// source, from <see cref="NewDigests"/>), each source's bytes of the tensor are hashed just
    /// before they are loaded, while their pages are in memory.
    /// </summary>
    public Tensor Mean(string name, IReadOnlyList<SourceDigest>? digests = null)
    {
        Tensor Read(int i)
        {
            digests?[i].Add(_checkpoints[i], name);
            return _checkpoints[i].Load(name, ScalarType.Float64);
        }

        var sum = Read(0);
        for (var i = 1; i < Count; i++)
        {
            using var weight = Read(i);
            sum.add_(weight);
        }
        return sum.div_(Count);
    }

    /// <summary>One empty <see cref="SourceDigest"/> per source, for <see cref="Mean"/> to feed.</summary>
    public IReadOnlyList<SourceDigest> NewDigests() => [.. _checkpoints.Select(c => new SourceDigest(c.Directory))];

    /// <summary>Every source with the hash its digest reached (see <see cref="SourceDigest"/>).</summary>
    public IReadOnlyList<BasisSource> Describe(IReadOnlyList<SourceDigest> digests) =>
        [.. Paths.Select((path, i) => new BasisSource(path, _checkpoints[i].Directory, digests[i].Finish()))];

    public void Dispose() => _checkpoints.ToList().ForEach(c => c.Dispose());
}
