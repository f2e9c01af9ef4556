using static TorchSharp.torch;

namespace Cora.Training.Basis;

/// <summary>
/// The top-R left singular vectors of a matrix and their singular values. The caller owns (and
/// disposes) both tensors.
/// </summary>
/// <param name="Basis">(out, R): orthonormal columns, ordered by decreasing singular value, each
/// column's largest-magnitude entry positive.</param>
/// <param name="SingularValues">(R): decreasing, non-negative.</param>
/// <param name="Iterations">Subspace iterations the randomised method ran; 0 for the direct methods.</param>
/// <param name="FellBack">True when the randomised method did not converge and the exact Gram eigendecomposition was used.</param>
public sealed record Subspace(Tensor Basis, Tensor SingularValues, int Iterations = 0, bool FellBack = false) : IDisposable
{
    public void Dispose()
    {
        Basis.Dispose();
        SingularValues.Dispose();
    }
}
