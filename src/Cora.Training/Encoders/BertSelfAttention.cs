using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>Bidirectional multi-head attention over the real (unpadded) tokens: query, key, value with biases.</summary>
public sealed class BertSelfAttention : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly Linear query;
    private readonly Linear key;
    private readonly Linear value;
#pragma warning restore IDE1006
    private readonly int _heads;
    private readonly int _headDim;

    public BertSelfAttention(EncoderConfig config) : base(nameof(BertSelfAttention))
    {
        _heads = config.NumAttentionHeads;
        _headDim = config.HeadDim;
        query = nn.Linear(config.HiddenSize, config.HiddenSize);
        key = nn.Linear(config.HiddenSize, config.HiddenSize);
        value = nn.Linear(config.HiddenSize, config.HiddenSize);
        RegisterComponents();
    }

    /// <param name="x">(B, T, D).</param>
    /// <param name="mask">(B, 1, 1, T) boolean, true for keys that are real tokens.</param>
    /// <returns>(B, T, D) the heads' outputs, concatenated.</returns>
    public Tensor Forward(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = query.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);        // (B, H, T, d)
        var k = key.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);          // (B, H, T, d)
        var v = value.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);        // (B, H, T, d)
        var attended = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask); // (B, H, T, d)
        return attended.transpose(1, 2).reshape(b, t, _heads * _headDim).MoveToOuterDisposeScope();
    }
}
