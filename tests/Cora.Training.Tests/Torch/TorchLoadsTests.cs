using static TorchSharp.torch;

namespace Cora.Training.Tests.Torch;

/// <summary>libtorch loads on this machine and computes.</summary>
public sealed class TorchLoadsTests
{
    [Fact]
    public void Matrix_product_and_gradient_are_right()
    {
        using var a = tensor(new float[] { 1, 2, 3, 4 }, [2, 2], requires_grad: true);
        using var b = tensor(new float[] { 5, 6, 7, 8 }, [2, 2]);
        using var c = a.matmul(b);
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c.data<float>().ToArray());
        using var loss = c.sum();
        loss.backward();
        // d(sum(a b))/da = 1 b^T: every row is the row sums of b.
        Assert.Equal(new float[] { 11, 15, 11, 15 }, a.grad!.data<float>().ToArray());
    }
}
