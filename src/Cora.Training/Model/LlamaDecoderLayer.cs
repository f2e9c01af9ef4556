using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>One transformer block: pre-norm attention and pre-norm MLP, each with a residual.</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly LlamaAttention self_attn;
    private readonly LlamaMlp mlp;
    private readonly RmsNorm input_layernorm;
    private readonly RmsNorm post_attention_layernorm;
#pragma warning restore IDE1006

    public LlamaDecoderLayer(LlamaConfig config, Placement placement) : base(nameof(LlamaDecoderLayer))
    {
        self_attn = new LlamaAttention(config, placement);
        mlp = new LlamaMlp(config, placement);
        input_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, placement);
        post_attention_layernorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, placement);
        RegisterComponents();
    }

    public LlamaAttention SelfAttention => self_attn;
    public LlamaMlp Mlp => mlp;

    /// <summary>Every linear projection of a layer, by checkpoint name (q_proj … down_proj).</summary>
    public static IReadOnlyList<string> ProjectionNames { get; } = [.. LlamaAttention.ProjectionNames, .. LlamaMlp.ProjectionNames];

    /// <summary>A projection's path inside the layer: <c>self_attn.q_proj</c> or <c>mlp.gate_proj</c>.</summary>
    public static string ProjectionPath(string name) =>
        LlamaAttention.ProjectionNames.Contains(name) ? "self_attn." + name
        : LlamaMlp.ProjectionNames.Contains(name) ? "mlp." + name
        : throw new ArgumentException($"no projection named {name}", nameof(name));

    /// <summary>The projection module called <paramref name="name"/> (q_proj … down_proj).</summary>
    public nn.Module<Tensor, Tensor> Projection(string name) =>
        LlamaAttention.ProjectionNames.Contains(name) ? self_attn.Projection(name) : mlp.Projection(name);

    /// <summary>Puts <paramref name="module"/> in place of the projection <paramref name="name"/>.</summary>
    public void ReplaceProjection(string name, nn.Module<Tensor, Tensor> module)
    {
        if (LlamaAttention.ProjectionNames.Contains(name)) self_attn.ReplaceProjection(name, module);
        else mlp.ReplaceProjection(name, module);
    }

    /// <param name="x">(B, T, D).</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        var h = x + self_attn.Forward(input_layernorm.forward(x), cos, sin, mask, cache, layer);
        return (h + mlp.forward(post_attention_layernorm.forward(h))).MoveToOuterDisposeScope();
    }
}
