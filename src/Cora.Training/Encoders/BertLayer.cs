using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>
/// One post-norm transformer layer: attention (+ residual, LayerNorm), then
/// <c>intermediate.dense</c> → GELU → <c>output.dense</c> (+ residual, LayerNorm).
/// </summary>
public sealed class BertLayer : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly BertAttention attention;
    private readonly BertIntermediate intermediate;
    private readonly BertResidualOutput output;
#pragma warning restore IDE1006

    public BertLayer(EncoderConfig config) : base(nameof(BertLayer))
    {
        attention = new BertAttention(config);
        intermediate = new BertIntermediate(config);
        output = new BertResidualOutput(config.IntermediateSize, config);
        RegisterComponents();
    }

    /// <param name="x">(B, T, D).</param>
    /// <param name="mask">(B, 1, 1, T) boolean, true for real keys.</param>
    public Tensor Forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var a = attention.Forward(x, mask);                                          // (B, T, D)
        return output.Forward(intermediate.Forward(a), a).MoveToOuterDisposeScope(); // (B, T, D)
    }
}
