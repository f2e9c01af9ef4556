using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>
/// <c>LayerNorm(dense(h) + residual)</c>: the post-norm step that closes both halves of a BERT
/// layer (transformers' <c>BertSelfOutput</c> after attention, <c>BertOutput</c> after the MLP;
/// same keys, <c>dense</c> and <c>LayerNorm</c>, different input widths).
/// </summary>
public sealed class BertResidualOutput : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly Linear dense;
    private readonly LayerNorm LayerNorm;
#pragma warning restore IDE1006

    public BertResidualOutput(long inFeatures, EncoderConfig config) : base(nameof(BertResidualOutput))
    {
        dense = nn.Linear(inFeatures, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="h">(B, T, in).</param>
    /// <param name="residual">(B, T, D).</param>
    public Tensor Forward(Tensor h, Tensor residual)
    {
        using var scope = NewDisposeScope();
        return LayerNorm.forward(dense.forward(h) + residual).MoveToOuterDisposeScope();  // (B, T, D)
    }
}
