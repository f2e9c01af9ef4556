using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.autograd;

namespace Cora.Training.Model;

/// <summary>
/// Activation (gradient) checkpointing of one decoder layer, as PyTorch's reentrant
/// <c>torch.utils.checkpoint</c>: the forward pass runs the layer without building a graph and
/// keeps only the layer's input hidden states; the backward pass runs the layer again, this time
/// with gradients, on a detached copy of that input, back-propagates the incoming gradient through
/// it — which accumulates every parameter's <c>.grad</c> as a plain backward would — and hands the
/// input's gradient on to the layer below. One layer's activations exist at a time, at the price of
/// a second forward pass per layer.
/// </summary>
/// <remarks>
/// <para>The rotary tables, the attention mask and the layer index are context: saved, never
/// differentiated. The layer's parameters are no inputs of this function; their gradients come
/// from the nested backward pass.</para>
/// <para>Dropout (LoRA's) draws the same masks in the recomputation as in the forward pass. On the
/// CPU the default generator's state is saved before the forward pass, put back for the
/// recomputation and the outer state restored afterwards, so the random stream of a run is the same
/// with and without checkpointing (and so are its weights). TorchSharp 0.107 cannot read or set
/// the CUDA generator's state (it binds only <c>cuda.manual_seed</c>), so on CUDA each checkpointed
/// layer seeds the CUDA generators with a number drawn from the CPU generator before its forward
/// pass and seeds them again with it before the recomputation: the masks agree within a run, and the
/// run is reproducible from its seed, but its masks differ from those of a run without
/// checkpointing.</para>
/// <para>When the layer's input needs no gradient (the first layer when the embeddings are frozen)
/// but some of its parameters train, an empty tensor that requires a gradient rides along as an
/// extra input, so that autograd records this function at all (the problem transformers solves
/// with <c>enable_input_require_grads</c>).</para>
/// </remarks>
public sealed class ActivationCheckpoint : SingleTensorFunction<ActivationCheckpoint>
{
    public override string Name => nameof(ActivationCheckpoint);

    /// <summary>
    /// <see cref="LlamaDecoderLayer.Forward"/> of <paramref name="layer"/> (no KV cache) with its
    /// activations recomputed in the backward pass. Call it only where a backward pass may follow
    /// (training, gradients enabled); elsewhere it would only add work.
    /// </summary>
    /// <param name="x">(B, T, D) the layer's input.</param>
    /// <param name="pending">Where the input gradient this function returns to autograd is kept until
    /// autograd has taken it (see <see cref="PendingGradient"/>); one per model.</param>
    /// <returns>(B, T, D).</returns>
    public static Tensor Run(LlamaDecoderLayer layer, Tensor x, Tensor cos, Tensor sin, Tensor mask, int index,
        PendingGradient pending)
    {
        pending.Release();
        var anchor = !x.requires_grad && layer.parameters().Any(p => p.requires_grad)
            ? empty(0, device: x.device, requires_grad: true)
            : null;
        return apply(new Call(layer, index, pending, x.requires_grad), x, cos, sin, mask, anchor!);
    }

    /// <summary>What the backward pass needs besides tensors; not a tensor, so that
    /// <see cref="AutogradContext.save_data"/> takes it.</summary>
    private sealed record Call(LlamaDecoderLayer Layer, int Index, PendingGradient Pending, bool InputNeedsGrad)
    {
        /// <summary>The seed of the CUDA generators for this layer's dropout (CUDA only).</summary>
        public long? CudaSeed { get; set; }
    }

    private const string CallKey = "call";

    /// <summary>vars: the <see cref="Call"/>, x, cos, sin, mask, the anchor (or null). Runs with
    /// gradients disabled (TorchSharp's <c>apply</c> does that).</summary>
    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var call = (Call)vars[0];
        Tensor x = (Tensor)vars[1], cos = (Tensor)vars[2], sin = (Tensor)vars[3], mask = (Tensor)vars[4];
        // Saved variables hold the tensors natively: the caller's dispose scopes may free the
        // managed handles long before the backward pass. TorchSharp saves them after this method
        // returns, so none may be disposed here (the state goes with the caller's scope).
        var rng = x.device.type == DeviceType.CPU ? random.get_rng_state() : null;
        if (rng is null) call.CudaSeed = SeedCuda(null);
        ctx.save_for_backward(rng is null ? [x, cos, sin, mask] : [x, cos, sin, mask, rng]);
        ctx.save_data(CallKey, call);
        return call.Layer.Forward(x, cos, sin, mask, cache: null, call.Index);
    }

    /// <summary>Gradients for (call, x, cos, sin, mask, anchor): only x's, when x needs one.
    /// Runs inside autograd's engine, called back from native code: an exception here (out of
    /// memory in the recomputation, say) cannot unwind through libtorch and ends the process,
    /// which the trial's attempt then reports as failed.</summary>
    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var call = (Call)ctx.get_data(CallKey);
        Tensor? inputGrad = null;
        using (var scope = NewDisposeScope())
        {
            var saved = ctx.get_saved_variables();
            Tensor x = saved[0], cos = saved[1], sin = saved[2], mask = saved[3];
            using var enabled = enable_grad();
            var input = x.detach().requires_grad_(call.InputNeedsGrad);
            Tensor output;
            if (saved.Count > 4)
            {
                using var outer = random.get_rng_state();
                random.set_rng_state(saved[4]);
                output = call.Layer.Forward(input, cos, sin, mask, cache: null, call.Index);
                random.set_rng_state(outer);
            }
            else
            {
                SeedCuda(call.CudaSeed);
                output = call.Layer.Forward(input, cos, sin, mask, cache: null, call.Index);
            }
            autograd.backward(output, grad_output);
            if (call.InputNeedsGrad) inputGrad = input.grad!.DetachFromDisposeScope();
        }
        // Autograd reads the returned tensor after this method returns; it is freed when the next
        // checkpointed layer runs its backward or forward pass (or with the model).
        if (inputGrad is not null) call.Pending.Hold(inputGrad);
        return [null!, inputGrad!, null!, null!, null!, null!];
    }

    /// <summary>Seeds every CUDA generator with <paramref name="seed"/>, or with a number drawn
    /// from the CPU generator when null; returns the seed.</summary>
    private static long SeedCuda(long? seed)
    {
        if (seed is null)
        {
            using var drawn = randint(long.MaxValue, [1], dtype: int64);
            seed = drawn.item<long>();
        }
        cuda.manual_seed_all(seed.Value);
        return seed.Value;
    }
}
