using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// A Llama causal language model, numerically the same as transformers' <c>LlamaForCausalLM</c>
/// for the same config and weights. Parameter names are Hugging Face's
/// (<c>model.layers.0.self_attn.q_proj.weight</c>, …). With tied embeddings there is no
/// <c>lm_head</c>: logits use <c>model.embed_tokens.weight</c>.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly LlamaModel model;
    private readonly Linear? lm_head;
#pragma warning restore IDE1006

    /// <summary>
    /// Allocates the model in <paramref name="placement"/>'s dtype and device (float32 on the CPU by
    /// default) without initialising it: load a checkpoint into it (<see cref="LlamaCheckpoint.Load"/>)
    /// or call <see cref="InitializeWeights"/>. Norm weights start at one.
    /// </summary>
    public LlamaForCausalLM(LlamaConfig config, Placement? placement = null) : base(nameof(LlamaForCausalLM))
    {
        Config = config.Validated();
        placement ??= Placement.CpuFloat32;
        model = new LlamaModel(config, placement);
        if (!config.TieWordEmbeddings) lm_head = placement.Linear(config.HiddenSize, config.VocabSize, bias: false);
        RegisterComponents();
    }

    public LlamaConfig Config { get; }
    public LlamaModel Model => model;

    /// <summary>Logits for every position. inputIds: (B, T) → (B, T, V).</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        var hidden = model.Forward(inputIds, attentionMask, cache);               // (B, T, D)
        var logits = lm_head is not null
            ? lm_head.forward(hidden)
            : nn.functional.linear(hidden, model.EmbedTokens.weight!);            // (B, T, V)
        return logits.MoveToOuterDisposeScope();
    }

    public KvCache NewCache() => new(Config.NumHiddenLayers);

    /// <summary>Where the weights are (inputs must be there too).</summary>
    public Device Device => parameters().First().device;

    /// <summary>
    /// Log-probability of each token given the ones before it, in float32:
    /// element t-1 is log p(ids[t] | ids[..t]) for t ≥ 1. ids: (T) → (T-1).
    /// </summary>
    public Tensor TokenLogProbs(Tensor ids)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var logits = Forward(ids.to(Device).view(1, -1))[0].to(float32);         // (T, V)
        var logProbs = logits[..^1].log_softmax(-1);                              // (T-1, V)
        return logProbs.gather(1, ids.to(Device)[1..].unsqueeze(1)).squeeze(1).cpu().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Fresh weights as transformers initialises a new Llama: Linear and Embedding weights
    /// ~ N(0, initializer_range²), biases 0, norms 1. Deterministic for a given seed.
    /// </summary>
    public void InitializeWeights(long seed)
    {
        using var _ = no_grad();
        using var generator = new Generator(checked((ulong)seed));
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) parameter.fill_(1.0);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
            else parameter.normal_(0.0, Config.InitializerRange, generator);
        }
    }
}
