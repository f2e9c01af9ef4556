using System.Globalization;
using System.Text.Json;
using Cora.Training.Checkpoints;
using static TorchSharp.torch;
using Keys = Cora.Training.Basis.BasisExtractor.MetadataKeys;

namespace Cora.Training.Basis;

/// <summary>
/// A basis file written by <see cref="BasisExtractor"/>, memory-mapped and validated at
/// <see cref="Open"/>: every listed layer has its basis <c>(out, R)</c> and singular values
/// <c>(R)</c> for every block of its mode. <see cref="Basis"/> serves any rank r ≤ R as the first r
/// columns — the top-r singular vectors — which is what initialises LoRA's B for CoRA.
/// </summary>
public sealed class BasisFile : IDisposable
{
    private readonly SafetensorsFile _file;

    private BasisFile(SafetensorsFile file, BasisMode mode, BasisMethod method, int rank, IReadOnlyList<int> layers, IReadOnlyList<BasisSource> sources)
    {
        _file = file;
        Mode = mode;
        Method = method;
        Rank = rank;
        Layers = layers;
        Sources = sources;
    }

    public string Path => _file.Path;
    public BasisMode Mode { get; }
    public BasisMethod Method { get; }

    /// <summary>R: the number of columns stored; the largest rank <see cref="Basis"/> serves.</summary>
    public int Rank { get; }

    /// <summary>The layers the file holds, increasing.</summary>
    public IReadOnlyList<int> Layers { get; }

    public IReadOnlyList<BasisSource> Sources { get; }

    /// <summary>The raw <c>__metadata__</c>.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _file.Metadata;

    /// <exception cref="InvalidInputException">Not a basis file, or one whose metadata and tensors disagree; names the file and key.</exception>
    public static BasisFile Open(string path)
    {
        var file = SafetensorsFile.Open(path);
        var opened = false;
        try
        {
            var basis = Read(file);
            opened = true;
            return basis;
        }
        finally
        {
            if (!opened) file.Dispose();
        }
    }

    private static BasisFile Read(SafetensorsFile file)
    {
        string Value(string key) => file.Metadata.TryGetValue(key, out var value)
            ? value
            : throw new InvalidInputException($"{file.Path}: metadata has no '{key}' (not a basis file written by cora basis extract?)");
        if (Value(Keys.Kind) != BasisExtractor.Kind)
            throw new InvalidInputException($"{file.Path}: metadata '{Keys.Kind}' is '{Value(Keys.Kind)}', expected '{BasisExtractor.Kind}'");
        var mode = BasisModes.Parse(Value(Keys.Mode));
        var method = BasisMethods.Parse(Value(Keys.Method));
        if (!int.TryParse(Value(Keys.Rank), NumberStyles.None, CultureInfo.InvariantCulture, out var rank) || rank < 1)
            throw new InvalidInputException($"{file.Path}: metadata '{Keys.Rank}' is '{Value(Keys.Rank)}', not a positive integer");
        IReadOnlyList<int> layers;
        IReadOnlyList<BasisSource> sources;
        try
        {
            layers = [.. Value(Keys.Layers).Split(',').Select(l => int.Parse(l, NumberStyles.None, CultureInfo.InvariantCulture))];
            sources = JsonSerializer.Deserialize<List<BasisSource>>(Value(Keys.Sources), BasisExtractor.Json)
                ?? throw new InvalidInputException($"{file.Path}: metadata '{Keys.Sources}' is null");
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            throw new InvalidInputException($"{file.Path}: metadata '{Keys.Layers}' or '{Keys.Sources}' is malformed ({e.Message})", e);
        }
        foreach (var layer in layers)
        {
            foreach (var (block, _) in BasisLayout.Blocks(mode))
            {
                var basis = Entry(file, BasisLayout.BasisName(layer, block));
                var sigma = Entry(file, BasisLayout.SingularValuesName(layer, block));
                if (basis.Shape.Count != 2 || basis.Shape[1] != rank || !sigma.Shape.SequenceEqual([rank]))
                    throw new InvalidInputException(
                        $"{file.Path}: '{basis.Name}' is [{string.Join(", ", basis.Shape)}] and '{sigma.Name}' [{string.Join(", ", sigma.Shape)}]; rank {rank} needs [out, {rank}] and [{rank}]");
            }
        }
        return new BasisFile(file, mode, method, rank, layers, sources);
    }

    /// <summary>
    /// Σσ² over the whole spectrum (‖M‖_F²) of the block serving <paramref name="projection"/> at
    /// <paramref name="layer"/>: the denominator of the explained-energy fraction. Null for a file
    /// written before extraction recorded it (<see cref="Keys.TotalEnergy"/>).
    /// </summary>
    public double? TotalEnergy(int layer, string projection)
    {
        if (!_file.Metadata.TryGetValue(Keys.TotalEnergy, out var json)) return null;
        var name = BasisLayout.BasisName(layer, Block(layer, projection, Rank));
        try
        {
            return JsonSerializer.Deserialize<Dictionary<string, double>>(json)?.TryGetValue(name, out var total) == true ? total : null;
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{Path}: metadata '{Keys.TotalEnergy}' is malformed ({e.Message})", e);
        }
    }

    private static TensorEntry Entry(SafetensorsFile file, string name) =>
        file.Contains(name) ? file.Entry(name) : throw new InvalidInputException($"{file.Path}: no tensor '{name}'");

    /// <summary>
    /// The top-<paramref name="rank"/> basis of <paramref name="projection"/> (<c>q_proj</c>,
    /// <c>k_proj</c> or <c>v_proj</c>) at <paramref name="layer"/>: <c>(out, rank)</c>, float32, a new
    /// tensor the caller owns. In shared-qkv mode the three projections share one basis.
    /// </summary>
    /// <exception cref="ArgumentException">Unknown projection, a layer the file lacks, or rank outside 1..<see cref="Rank"/>.</exception>
    public Tensor Basis(int layer, string projection, int rank) =>
        Prefix(BasisLayout.BasisName(layer, Block(layer, projection, rank)), dim: 1, rank);

    /// <summary>The top-<paramref name="rank"/> singular values, <c>(rank)</c>, decreasing; see <see cref="Basis"/>.</summary>
    public Tensor SingularValues(int layer, string projection, int rank) =>
        Prefix(BasisLayout.SingularValuesName(layer, Block(layer, projection, rank)), dim: 0, rank);

    private string Block(int layer, string projection, int rank)
    {
        if (!BasisLayout.Projections.Contains(projection))
            throw new ArgumentException($"projection '{projection}' is not one of {string.Join(", ", BasisLayout.Projections)}", nameof(projection));
        if (!Layers.Contains(layer))
            throw new ArgumentException($"{Path}: holds no layer {layer} (layers {string.Join(",", Layers)})", nameof(layer));
        if (rank < 1 || rank > Rank)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"{Path}: holds ranks 1..{Rank}");
        return BasisLayout.BlockOf(Mode, projection);
    }

    private Tensor Prefix(string name, int dim, int rank)
    {
        using var full = _file.Load(name);
        return full.narrow(dim, 0, rank).contiguous().clone();
    }

    public void Dispose() => _file.Dispose();
}
