using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>Self-attention, then its output projection with residual and LayerNorm (<c>attention.self</c>, <c>attention.output</c>).</summary>
public sealed class BertAttention : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys ("self" is one)
    private readonly BertSelfAttention self;
    private readonly BertResidualOutput output;
#pragma warning restore IDE1006

    public BertAttention(EncoderConfig config) : base(nameof(BertAttention))
    {
        self = new BertSelfAttention(config);
        output = new BertResidualOutput(config.HiddenSize, config);
        RegisterComponents();
    }

    /// <param name="x">(B, T, D).</param>
    /// <param name="mask">(B, 1, 1, T) boolean, true for real keys.</param>
    public Tensor Forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return output.Forward(self.Forward(x, mask), x).MoveToOuterDisposeScope();     // (B, T, D)
    }
}
