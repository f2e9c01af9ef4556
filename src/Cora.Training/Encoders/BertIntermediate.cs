using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>The MLP's widening half: <c>dense</c> to intermediate_size, then GELU.</summary>
public sealed class BertIntermediate : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly Linear dense;
#pragma warning restore IDE1006
    private readonly bool _tanh;

    public BertIntermediate(EncoderConfig config) : base(nameof(BertIntermediate))
    {
        dense = nn.Linear(config.HiddenSize, config.IntermediateSize);
        // "gelu" is the exact (erf) GELU; gelu_new and gelu_pytorch_tanh the tanh approximation.
        _tanh = config.HiddenAct != "gelu";
        RegisterComponents();
    }

    /// <param name="x">(B, T, D).</param>
    /// <returns>(B, T, I).</returns>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = dense.forward(x);
        return (_tanh ? nn.functional.gelu(h, GELU.Approximate.tanh) : nn.functional.gelu(h)).MoveToOuterDisposeScope();
    }
}
