using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Cora.Training.Basis;
using static TorchSharp.torch;

namespace Cora.Benchmarks.Micro;

/// <summary>
/// The basis of one layer by the default method (<see cref="BasisMethods.Default"/>, eigh of the
/// Gram matrix) against the exact thin SVD of the stacked matrix, with Cora's own
/// <see cref="SubspaceSolver"/>: Llama-2-13B's attention shapes (q/k/v each 5120 × 5120, stacked
/// 5120 × 15360), random Gaussian weights in float64 (what the extractor passes), rank 48 (the
/// largest rank of the paper's grid). Quick mode uses 1024 × 3·1024.
/// </summary>
public class SubspaceBenchmarks
{
    public const int Rank = 48;
    private Tensor[] _blocks = [];

    /// <summary>The layer width: set by <see cref="Run"/> before BenchmarkDotNet reads it.</summary>
    public static int[] Widths { get; private set; } = [5120];

    [ParamsSource(nameof(Widths))]
    public int Out { get; set; }

    [GlobalSetup]
    public void Setup() => _blocks = RandomLayer(Out);

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var b in _blocks) b.Dispose();
    }

    // The last result of each method is kept for the agreement check: at 13B shapes an exact SVD
    // takes minutes, too long to run again outside the timed loop.
    private static Subspace? s_lastSvd;
    private static Subspace? s_lastEigh;

    [Benchmark(Baseline = true)]
    public void Svd() => Keep(ref s_lastSvd, SubspaceSolver.Solve(_blocks, Rank, BasisMethod.Svd));

    [Benchmark]
    public void Eigh() => Keep(ref s_lastEigh, SubspaceSolver.Solve(_blocks, Rank, BasisMethods.Default));

    private static void Keep(ref Subspace? last, Subspace result)
    {
        last?.Dispose();
        last = result;
    }

    /// <summary>q, k, v: three (out, out) float64 Gaussian blocks, seeded.</summary>
    public static Tensor[] RandomLayer(int width)
    {
        var generator = new Generator(0);
        return [.. Enumerable.Range(0, 3).Select(_ => randn([width, width], ScalarType.Float64, generator: generator))];
    }

    public static void Run(bool quick)
    {
        Widths = quick ? [1024] : [5120];
        // 13B shapes: minutes per exact SVD on 2 cores, so one timed call per method, no warm-up.
        var config = quick ? MicroJob.Config(quick) : MicroJob.Config(quick, warmups: 0, iterations: 1);
        var summary = BenchmarkRunner.Run<SubspaceBenchmarks>(config);
        var ratio = MicroJob.MedianSeconds(summary, nameof(Svd)) / MicroJob.MedianSeconds(summary, nameof(Eigh));
        var (mean, min) = PrincipalAngleCosines(s_lastEigh!.Basis, s_lastSvd!.Basis);
        Console.WriteLine($"basis-extraction: {BasisMethods.Default.Name()} vs exact svd speed ratio {ratio:F1}x at out {Widths[0]}, 3x{Widths[0]} stacked, rank {Rank}; " +
                          $"subspace agreement: mean cos of principal angles {mean:F6}, min {min:F6}");
    }

    /// <summary>Cosines of the principal angles between the column spans of two orthonormal
    /// (n, r) bases: the singular values of Aᵀ B. Returns their mean and minimum.</summary>
    public static (double Mean, double Min) PrincipalAngleCosines(Tensor a, Tensor b)
    {
        using var scope = NewDisposeScope();
        var cosines = linalg.svdvals(a.t().matmul(b)).clamp(0, 1);
        return (cosines.mean().item<double>(), cosines.min().item<double>());
    }
}
