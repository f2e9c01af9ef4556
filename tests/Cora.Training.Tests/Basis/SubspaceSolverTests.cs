using Cora.Training.Basis;
using static TorchSharp.torch;
using static Cora.Training.Tests.Basis.BasisTestData;

namespace Cora.Training.Tests.Basis;

public sealed class SubspaceSolverTests
{
    public static TheoryData<BasisMethod, int> MethodsAndRanks()
    {
        var data = new TheoryData<BasisMethod, int>();
        foreach (var method in Enum.GetValues<BasisMethod>())
        {
            foreach (var rank in new[] { 1, 8, 24, 48 }) data.Add(method, rank);
        }
        return data;
    }

    /// <summary>Three Gaussian 96×64 blocks: M is 96×192 with a flat (Marchenko–Pastur) spectrum,
    /// the hardest case for iterative methods.</summary>
    private static Tensor[] GaussianBlocks(long seed) => [Gaussian(96, 64, seed), Gaussian(96, 64, seed + 1), Gaussian(96, 64, seed + 2)];

    [Theory]
    [MemberData(nameof(MethodsAndRanks))]
    public void Every_method_holds_the_exact_svd_subspace_on_random_matrices(BasisMethod method, int rank)
    {
        using var scope = NewDisposeScope();
        var blocks = GaussianBlocks(seed: 7);
        var exact = linalg.svd(cat(blocks, 1), fullMatrices: false);
        using var subspace = SubspaceSolver.Solve(blocks, rank, method, seed: 3);
        AssertSameSubspace(exact.U.narrow(1, 0, rank), subspace.Basis, $"{method} at rank {rank}");
        Assert.True(allclose(exact.S.narrow(0, 0, rank), subspace.SingularValues, rtol: 1e-9, atol: 1e-9));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(48)]
    public void Randomized_converges_without_falling_back_on_a_decaying_spectrum(int rank)
    {
        using var scope = NewDisposeScope();
        // Singular values 1, 0.95, 0.95², …: a gap like trained weights have, but no large one.
        var sigma = Enumerable.Range(0, 200).Select(i => Math.Pow(0.95, i)).ToArray();
        var m = WithSpectrum(400, 600, sigma, seed: 11);
        Tensor[] blocks = [m.narrow(1, 0, 200), m.narrow(1, 200, 200), m.narrow(1, 400, 200)];
        using var subspace = SubspaceSolver.Solve(blocks, rank, BasisMethod.Randomized, seed: 5);
        Assert.False(subspace.FellBack);
        Assert.InRange(subspace.Iterations, 1, SubspaceSolver.MaxIterations);
        var exact = linalg.svd(m, fullMatrices: false);
        AssertSameSubspace(exact.U.narrow(1, 0, rank), subspace.Basis, "randomized");
        Assert.True(allclose(tensor(sigma[..rank]), subspace.SingularValues, rtol: 1e-8));
    }

    [Theory]
    [InlineData(BasisMethod.Eigh)]
    [InlineData(BasisMethod.Svd)]
    [InlineData(BasisMethod.Randomized)]
    public void Columns_are_orthonormal_ordered_and_sign_fixed(BasisMethod method)
    {
        using var scope = NewDisposeScope();
        using var subspace = SubspaceSolver.Solve(GaussianBlocks(seed: 1), 24, method);
        var basis = subspace.Basis;
        Assert.True(allclose(basis.t().matmul(basis), eye(24, dtype: ScalarType.Float64), atol: 1e-10));
        var sigma = subspace.SingularValues.data<double>().ToArray();
        Assert.Equal(sigma.OrderByDescending(s => s), sigma);
        var pivots = basis.gather(0, basis.abs().argmax(0, keepdim: true));
        Assert.True(pivots.gt(0).all().item<bool>(), "each column's largest-magnitude entry is positive");
    }

    [Fact]
    public void Sign_rule_flips_a_column_whose_largest_entry_is_negative()
    {
        using var scope = NewDisposeScope();
        // Column 0 is (0.6, -0.8): its largest-magnitude entry is negative, so it flips;
        // column 1 is (0.8, 0.6) and stays.
        var basis = tensor(new double[] { 0.6, 0.8, -0.8, 0.6 }).reshape(2, 2);
        SubspaceSolver.FixSigns(basis);
        Assert.Equal(new[] { -0.6, 0.8, 0.8, 0.6 }, basis.data<double>().ToArray());
    }

    [Theory]
    [InlineData(BasisMethod.Eigh)]
    [InlineData(BasisMethod.Svd)]
    public void A_smaller_rank_is_bit_for_bit_a_prefix(BasisMethod method)
    {
        using var scope = NewDisposeScope();
        var blocks = GaussianBlocks(seed: 4);
        using var small = SubspaceSolver.Solve(blocks, 8, method);
        using var large = SubspaceSolver.Solve(blocks, 48, method);
        Assert.Equal(small.Basis.data<double>().ToArray(), large.Basis.narrow(1, 0, 8).contiguous().data<double>().ToArray());
        Assert.Equal(small.SingularValues.data<double>().ToArray(), large.SingularValues.narrow(0, 0, 8).data<double>().ToArray());
    }

    [Fact]
    public void Randomized_is_deterministic_for_a_seed()
    {
        using var scope = NewDisposeScope();
        var blocks = GaussianBlocks(seed: 9);
        using var first = SubspaceSolver.Solve(blocks, 16, BasisMethod.Randomized, seed: 42);
        using var second = SubspaceSolver.Solve(blocks, 16, BasisMethod.Randomized, seed: 42);
        Assert.Equal(first.Basis.data<double>().ToArray(), second.Basis.data<double>().ToArray());
    }

    [Fact]
    public void Per_projection_blocks_of_different_heights_are_rejected_together()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => SubspaceSolver.Solve([Gaussian(8, 4, 1), Gaussian(4, 4, 2)], 2, BasisMethod.Eigh));
    }

    [Fact]
    public void A_rank_above_min_of_out_and_in_is_rejected()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => SubspaceSolver.Solve([Gaussian(8, 4, 1)], 5, BasisMethod.Svd));
        Assert.Contains("1..4", error.Message);
    }
}
