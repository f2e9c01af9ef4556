using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// The input gradient an <see cref="ActivationCheckpoint"/> backward pass last handed to autograd.
/// Autograd copies the tensor reference only after the backward method has returned, so the managed
/// handle cannot be disposed there; and on CUDA the backward pass runs on autograd's device thread,
/// outside every dispose scope, where it would wait for the garbage collector while holding a
/// (B, T, D) activation. It is disposed instead when the next checkpointed layer of the same model
/// runs (its backward pass comes after autograd took the previous gradient, its forward pass after
/// the whole backward pass), or with the model. One model's backward passes run one at a time.
/// </summary>
public sealed class PendingGradient : IDisposable
{
    private readonly Lock _lock = new();
    private Tensor? _held;

    /// <summary>Keeps <paramref name="gradient"/> (detached from every dispose scope), disposing the one held before.</summary>
    public void Hold(Tensor gradient) => Replace(gradient);

    /// <summary>Disposes the gradient held, if any.</summary>
    public void Release() => Replace(null);

    private void Replace(Tensor? gradient)
    {
        lock (_lock)
        {
            _held?.Dispose();
            _held = gradient;
        }
    }

    public void Dispose() => Release();
}
