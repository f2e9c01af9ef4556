using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.FineTuning;

/// <summary>
/// float32 master copies of the trainable parameters that are not float32 (full fine-tuning in
/// bfloat16 on CUDA, see <see cref="Model.Placement"/>). AdamW on bfloat16 weights loses every update
/// smaller than half a bfloat16 ulp — 2⁻⁸ ≈ 0.004 at 1, so an RMSNorm weight near 1 never moves at a
/// learning rate of 2e-4 — while on a float32 master the updates add up and reach the bfloat16
/// weight once they amount to a bfloat16 step (mixed-precision training as in Micikevicius et al.,
/// and as transformers' Trainer gets from autocast over float32 weights).
/// </summary>
/// <remarks>
/// The step, in order: backward fills the model parameters' gradients (their dtype);
/// <see cref="CopyGradients"/> casts them into the masters' <c>.grad</c> and frees them; clipping
/// and the optimizer step run on <see cref="Optimized"/>; <see cref="CopyWeights"/> rounds the
/// masters into the model's parameters. A parameter that is already float32 (every parameter on the
/// CPU, LoRA adapters everywhere) is its own master: no copy, no extra memory, and the two calls do
/// nothing for it, so a float32 run is exactly what it was without this class.
/// </remarks>
public sealed class MasterWeights : IDisposable
{
    private readonly List<(Parameter Model, Parameter Master)> _copies = [];

    /// <param name="trainable">The parameters the optimizer is to train, by name.</param>
    public MasterWeights(IEnumerable<(string Name, Parameter Parameter)> trainable)
    {
        var optimized = new List<(string, Parameter)>();
        using var _ = no_grad();
        foreach (var (name, parameter) in trainable)
        {
            if (parameter.dtype == ScalarType.Float32)
            {
                optimized.Add((name, parameter));
                continue;
            }
            if (!parameter.is_floating_point())
                throw new ArgumentException($"trainable parameter {name} is {parameter.dtype}, not a floating-point type", nameof(trainable));
            var master = new Parameter(parameter.detach().to(ScalarType.Float32, copy: true));
            _copies.Add((parameter, master));
            optimized.Add((name, master));
        }
        Optimized = optimized;
    }

    /// <summary>What the optimizer updates, clipping measures and a checkpoint holds, by the model's
    /// parameter names: the float32 master of each parameter that has one, the parameter itself
    /// otherwise. After restoring them, call <see cref="CopyWeights"/>.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Optimized { get; }

    /// <summary>Casts each model parameter's gradient into its master's gradient and frees the
    /// parameter's (the next backward pass allocates it again), one parameter at a time, so that
    /// both gradients of a parameter coexist only briefly. A parameter without a gradient (unused)
    /// leaves its master without one too, as the optimizer skips it.</summary>
    public void CopyGradients()
    {
        using var _ = no_grad();
        foreach (var (model, master) in _copies)
        {
            using var grad = model.grad;
            if (grad is null) continue;
            master.grad = grad.to(ScalarType.Float32, copy: true);
            model.grad = null;
        }
    }

    /// <summary>Rounds each master into its model parameter (the model's dtype) and frees the
    /// masters' gradients: between steps a parameter holds only its model-dtype gradient, as
    /// <see cref="Memory.MemoryEstimate"/> counts (at the optimizer step, float32 gradients take the
    /// place of the model-dtype ones and the activations are gone).</summary>
    public void CopyWeights()
    {
        using var _ = no_grad();
        foreach (var (model, master) in _copies)
        {
            model.copy_(master);
            master.grad = null;
        }
    }

    public void Dispose()
    {
        foreach (var (_, master) in _copies) master.Dispose();
        _copies.Clear();
    }
}
