using static TorchSharp.torch;

namespace Cora.Training.Basis;

/// <summary>
/// Top-R left singular vectors of <c>M = [W_1 | … | W_m]</c> (blocks stacked along the input
/// dimension, so every block has the same number of rows, <c>out</c>). In PyTorch layout a weight is
/// <c>(out, in)</c> and <c>y = x Wᵀ</c>, so the left singular vectors span the output space: the
/// paper's <c>Vᵀ[:r, :]</c> in its row-vector convention (<c>y = x W</c>, W = Mᵀ) is exactly
/// <c>U[:, :r]ᵀ</c> here (DESIGN.md §1), and <c>U[:, :r]</c> is what becomes LoRA's B.
/// </summary>
/// <remarks>
/// Contract: the result does not depend on the method beyond rounding (the tests hold every method
/// to principal-angle cosines ≥ 0.9999 against <see cref="BasisMethod.Svd"/>), is deterministic for
/// given inputs (the randomised method is seeded), and is sign-normalised column by column.
/// For <see cref="BasisMethod.Eigh"/> and <see cref="BasisMethod.Svd"/> the rank-r result is
/// bit-for-bit the first r columns of the rank-R result (r ≤ R). Works in the dtype of the blocks;
/// the extractor passes float64.
/// </remarks>
public static class SubspaceSolver
{
    /// <summary>Minimum extra sketch columns of the randomised method (beyond R; it uses max(R, this)).</summary>
    public const int MinOversampling = 16;

    /// <summary>Most subspace iterations before the randomised method gives up and falls back to eigh.</summary>
    public const int MaxIterations = 40;

    /// <summary>Stop when the Davis–Kahan estimate ‖G U − U Θ‖_F / gap of the top-R Ritz pairs is below
    /// this: a bound on ‖sin Θ‖ of the principal angles, so cosines ≥ 1 − tolerance²/2.</summary>
    public const double Tolerance = 1e-4;

    /// <summary>Largest R the blocks support: min(out, Σ in).</summary>
    public static long AvailableRank(IReadOnlyList<Tensor> blocks) =>
        Math.Min(blocks[0].shape[0], blocks.Sum(b => b.shape[1]));

    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rank"/> outside 1..<see cref="AvailableRank"/>.</exception>
    public static Subspace Solve(IReadOnlyList<Tensor> blocks, int rank, BasisMethod method, long seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfZero(blocks.Count);
        if (blocks.Any(b => b.dim() != 2 || b.shape[0] != blocks[0].shape[0]))
            throw new ArgumentException("blocks must be matrices with the same number of rows", nameof(blocks));
        var available = AvailableRank(blocks);
        if (rank < 1 || rank > available)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"must be in 1..{available}");

        using var scope = NewDisposeScope();
        var result = method switch
        {
            BasisMethod.Eigh => ByEigh(blocks, rank),
            BasisMethod.Svd => BySvd(blocks, rank),
            BasisMethod.Randomized => ByRandomizedIteration(blocks, rank, seed),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
        };
        FixSigns(result.Basis);
        result.Basis.MoveToOuterDisposeScope();
        result.SingularValues.MoveToOuterDisposeScope();
        return result;
    }

    /// <summary>G = M Mᵀ = Σ_p W_p W_pᵀ, (out, out).</summary>
    private static Tensor Gram(IReadOnlyList<Tensor> blocks)
    {
        var gram = blocks[0].matmul(blocks[0].t());
        foreach (var block in blocks.Skip(1)) gram.addmm_(block, block.t());
        return gram;
    }

    /// <summary>G x = Σ_p W_p (W_pᵀ x) without forming G: (out, k).</summary>
    private static Tensor ApplyGram(IReadOnlyList<Tensor> blocks, Tensor x)
    {
        using var scope = NewDisposeScope();
        var y = blocks[0].matmul(blocks[0].t().matmul(x));
        foreach (var block in blocks.Skip(1)) y.addmm_(block, block.t().matmul(x));
        return y.MoveToOuterDisposeScope();
    }

    private static Subspace ByEigh(IReadOnlyList<Tensor> blocks, int rank)
    {
        var gram = Gram(blocks);                                    // (out, out)
        var (eigenvalues, eigenvectors) = linalg.eigh(gram);        // ascending
        var n = gram.shape[0];
        var top = arange(n - 1, n - 1 - rank, -1, ScalarType.Int64);  // largest first
        // Rounding can leave the eigenvalues of a rank-deficient G slightly negative.
        var sigma = eigenvalues.index_select(0, top).clamp_min(0).sqrt();  // (R)
        return new Subspace(eigenvectors.index_select(1, top), sigma);     // (out, R)
    }

    private static Subspace BySvd(IReadOnlyList<Tensor> blocks, int rank)
    {
        var stacked = cat([.. blocks], 1);                            // (out, Σ in)
        var (u, s, _) = linalg.svd(stacked, fullMatrices: false);
        return new Subspace(u.narrow(1, 0, rank), s.narrow(0, 0, rank));
    }

    /// <summary>
    /// Subspace iteration (Halko, Martinsson &amp; Tropp 2011, alg. 4.4, on the Gram operator) with
    /// Rayleigh–Ritz extraction each step. A k = R + max(R, 16) column sketch converges at rate
    /// (λ_{k+1}/λ_R) per step; the loop stops once the residual bound says the top-R subspace is
    /// within <see cref="Tolerance"/>. When k reaches <c>out</c> the sketch is the whole space, so
    /// eigh is the same work done directly.
    /// </summary>
    private static Subspace ByRandomizedIteration(IReadOnlyList<Tensor> blocks, int rank, long seed)
    {
        var n = blocks[0].shape[0];
        var k = rank + Math.Max(rank, MinOversampling);
        if (k >= n) return ByEigh(blocks, rank);

        var generator = new Generator((ulong)seed);
        var x = linalg.qr(randn([n, k], blocks[0].dtype, generator: generator)).Q;  // (out, k)
        for (var iteration = 1; iteration <= MaxIterations; iteration++)
        {
            using var step = NewDisposeScope();
            var y = ApplyGram(blocks, x);                              // (out, k) = G x
            var t = x.t().matmul(y);                                   // (k, k) Rayleigh quotient
            t = (t + t.t()) / 2;
            var (theta, s) = linalg.eigh(t);                           // ascending
            var order = arange(k - 1, -1, -1, ScalarType.Int64);
            theta = theta.index_select(0, order);
            s = s.index_select(1, order);
            var ritz = x.matmul(s);                                    // (out, k) Ritz vectors
            var gRitz = y.matmul(s);                                   // (out, k) G · Ritz vectors
            var topTheta = theta.narrow(0, 0, rank);
            var residual = gRitz.narrow(1, 0, rank) - ritz.narrow(1, 0, rank) * topTheta;
            var gap = theta[rank - 1].item<double>() - theta[rank].item<double>();
            var bound = residual.norm().item<double>() / gap;
            if (gap > 0 && bound <= Tolerance)
            {
                var basis = ritz.narrow(1, 0, rank).contiguous();
                var sigma = topTheta.clamp_min(0).sqrt();
                basis.MoveToOuterDisposeScope();
                sigma.MoveToOuterDisposeScope();
                return new Subspace(basis, sigma, iteration);
            }
            // Next power step from G·(Ritz vectors): orthonormalised, best-first ordering kept.
            var next = linalg.qr(gRitz).Q.MoveToOuterDisposeScope();
            x.Dispose();
            x = next;
        }
        var exact = ByEigh(blocks, rank);
        return exact with { Iterations = MaxIterations, FellBack = true };
    }

    /// <summary>
    /// Makes each column's largest-magnitude entry positive (the first such entry on ties), in
    /// place: singular vectors are defined up to sign, and a fixed rule makes equal inputs give
    /// equal bytes whatever the LAPACK routine returned.
    /// </summary>
    public static void FixSigns(Tensor basis)
    {
        using var scope = NewDisposeScope();
        var rows = basis.abs().argmax(0, keepdim: true);              // (1, R)
        var pivots = basis.gather(0, rows);                            // (1, R)
        basis.mul_(pivots.sign());  // the pivot of a unit-norm column is never 0
    }
}
