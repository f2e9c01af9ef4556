using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Causal self-attention with rotary embeddings and grouped-query heads: query head j reads
/// key/value head <c>j / (heads / kv_heads)</c>, as transformers' <c>repeat_kv</c> does.
/// The projections are plain <see cref="nn.Module{T, TResult}"/> fields so that LoRA can wrap them
/// (<see cref="ReplaceProjection"/>).
/// </summary>
public sealed class LlamaAttention : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private nn.Module<Tensor, Tensor> q_proj;
    private nn.Module<Tensor, Tensor> k_proj;
    private nn.Module<Tensor, Tensor> v_proj;
    private nn.Module<Tensor, Tensor> o_proj;
#pragma warning restore IDE1006
    private readonly int _heads;
    private readonly int _kvHeads;
    private readonly int _headDim;

    public LlamaAttention(LlamaConfig config, Placement placement) : base(nameof(LlamaAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        q_proj = placement.Linear(config.HiddenSize, _heads * _headDim, config.AttentionBias);
        k_proj = placement.Linear(config.HiddenSize, _kvHeads * _headDim, config.AttentionBias);
        v_proj = placement.Linear(config.HiddenSize, _kvHeads * _headDim, config.AttentionBias);
        o_proj = placement.Linear(_heads * _headDim, config.HiddenSize, config.AttentionBias);
        RegisterComponents();
    }

    /// <param name="x">(B, T, D) normalised hidden states.</param>
    /// <param name="cos">(B, 1, T, d) rotary table for these positions; <paramref name="sin"/> likewise.</param>
    /// <param name="mask">(B or 1, 1, T, S) boolean, true where a query may attend a key.</param>
    /// <param name="cache">Keys/values of earlier positions, appended to; null when not generating.</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor mask, KvCache? cache, int layer)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = q_proj.forward(x).view(b, t, _heads, _headDim).transpose(1, 2);    // (B, H, T, d)
        var k = k_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);  // (B, KV, T, d)
        var v = v_proj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);  // (B, KV, T, d)
        q = RotaryEmbedding.Apply(q, cos, sin);
        k = RotaryEmbedding.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(layer, k, v);                 // (B, KV, S, d)

        var attended = nn.functional.scaled_dot_product_attention(
            q, RepeatKv(k), RepeatKv(v), attn_mask: mask);                           // (B, H, T, d)
        var merged = attended.transpose(1, 2).reshape(b, t, _heads * _headDim);     // (B, T, H*d)
        return o_proj.forward(merged).MoveToOuterDisposeScope();                    // (B, T, D)
    }

    /// <summary>(B, KV, S, d) → (B, H, S, d), each kv head repeated for its group of query heads.</summary>
    private Tensor RepeatKv(Tensor kv)
    {
        var groups = _heads / _kvHeads;
        if (groups == 1) return kv;
        long b = kv.shape[0], s = kv.shape[2];
        return kv.unsqueeze(2).expand(b, _kvHeads, groups, s, _headDim).reshape(b, _heads, s, _headDim);
    }

    /// <summary>The projection names, in call order.</summary>
    public static IReadOnlyList<string> ProjectionNames { get; } = ["q_proj", "k_proj", "v_proj", "o_proj"];

    /// <summary>The projection modules by checkpoint name (q_proj, k_proj, v_proj, o_proj).</summary>
    public nn.Module<Tensor, Tensor> Projection(string name) => name switch
    {
        "q_proj" => q_proj,
        "k_proj" => k_proj,
        "v_proj" => v_proj,
        "o_proj" => o_proj,
        _ => throw new ArgumentException($"no projection named {name}", nameof(name)),
    };

    /// <summary>
    /// Puts <paramref name="module"/> (a LoRA wrapper, or a plain Linear again) in place of the
    /// projection <paramref name="name"/>; it keeps the name, so its parameters are named
    /// <c>…q_proj.base_layer.weight</c>, <c>…q_proj.lora_A.weight</c> as in PEFT.
    /// </summary>
    public void ReplaceProjection(string name, nn.Module<Tensor, Tensor> module)
    {
        _ = Projection(name);
        switch (name)
        {
            case "q_proj": q_proj = module; break;
            case "k_proj": k_proj = module; break;
            case "v_proj": v_proj = module; break;
            default: o_proj = module; break;
        }
        SubmoduleSlots.Reregister(this, ProjectionNames, Projection);
    }
}
