using Cora.Training.Basis;
using Cora.Training.Checkpoints;
using Cora.Training.Model;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Basis;

/// <summary>Matrices with known spectra, principal angles, and synthetic source checkpoints.</summary>
public static class BasisTestData
{
    /// <summary>A seeded (rows, columns) matrix with orthonormal columns (QR of a Gaussian).</summary>
    public static Tensor Orthonormal(long rows, long columns, long seed)
    {
        using var scope = NewDisposeScope();
        var gaussian = randn([rows, columns], ScalarType.Float64, generator: new Generator((ulong)seed));
        return linalg.qr(gaussian).Q.MoveToOuterDisposeScope();
    }

    /// <summary>U diag(σ) Vᵀ with random orthonormal U (rows × n) and V (columns × n): singular values exactly σ.</summary>
    public static Tensor WithSpectrum(long rows, long columns, double[] sigma, long seed)
    {
        using var scope = NewDisposeScope();
        var u = Orthonormal(rows, sigma.Length, seed);
        var v = Orthonormal(columns, sigma.Length, seed + 1);
        return (u * tensor(sigma)).matmul(v.t()).MoveToOuterDisposeScope();
    }

    /// <summary>A seeded Gaussian matrix, float64.</summary>
    public static Tensor Gaussian(long rows, long columns, long seed) =>
        randn([rows, columns], ScalarType.Float64, generator: new Generator((ulong)seed));

    /// <summary>Cosines of the principal angles between the column spaces of two orthonormal
    /// bases: the singular values of AᵀB, smallest last.</summary>
    public static double[] PrincipalCosines(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var product = a.to(ScalarType.Float64).t().matmul(b.to(ScalarType.Float64));
        return linalg.svdvals(product).data<double>().ToArray();
    }

    /// <summary>Asserts that two bases span the same subspace: every principal-angle cosine ≥ 0.9999.</summary>
    public static void AssertSameSubspace(Tensor expected, Tensor actual, string because)
    {
        Assert.Equal(expected.shape, actual.shape);
        var cosines = PrincipalCosines(expected, actual);
        Assert.True(cosines.Min() >= 0.9999, $"{because}: smallest principal-angle cosine {cosines.Min():R}");
    }

    public static LlamaConfig Config(int hidden, int layers, int heads, int kvHeads, int? headDim = null) => new()
    {
        VocabSize = 16,
        HiddenSize = hidden,
        IntermediateSize = 2 * hidden,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        HeadDim = headDim ?? hidden / heads,
    };

    /// <summary>
    /// Writes a source checkpoint holding only what basis extraction reads: config.json and the
    /// q/k/v weights, (out, hidden) float32, made by <paramref name="weight"/>(layer, projection).
    /// </summary>
    public static string WriteSource(string directory, LlamaConfig config, Func<int, string, Tensor> weight)
    {
        Directory.CreateDirectory(directory);
        config.Save(Path.Combine(directory, LlamaCheckpoint.ConfigFileName));
        var tensors = new List<(string, Tensor)>();
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            foreach (var projection in BasisLayout.Projections)
                tensors.Add((BasisLayout.WeightName(layer, projection), weight(layer, projection).to(ScalarType.Float32)));
        }
        SafetensorsCheckpoint.Write(directory, tensors);
        tensors.ForEach(t => t.Item2.Dispose());
        return directory;
    }

    /// <summary>A source with seeded Gaussian q/k/v (scaled by 1/√hidden, like an initialised model).</summary>
    public static string WriteGaussianSource(string directory, LlamaConfig config, long seed) =>
        WriteSource(directory, config, (layer, projection) =>
        {
            var rows = projection == "q_proj" ? config.NumAttentionHeads * config.HeadDim : config.NumKeyValueHeads * config.HeadDim;
            var index = BasisLayout.Projections.ToList().IndexOf(projection);
            return Gaussian(rows, config.HiddenSize, seed * 1000 + layer * 10 + index) / Math.Sqrt(config.HiddenSize);
        });
}
