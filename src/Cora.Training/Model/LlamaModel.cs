using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>The Llama trunk: token embeddings, the decoder layers, the final norm.</summary>
public sealed class LlamaModel : nn.Module, IHiddenStates
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;
#pragma warning restore IDE1006
    private readonly RotaryEmbedding _rotary;
    private readonly PendingGradient _pendingGradient = new();

    public LlamaModel(LlamaConfig config, Placement placement) : base(nameof(LlamaModel))
    {
        embed_tokens = placement.Embedding(config.VocabSize, config.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new LlamaDecoderLayer(config, placement)).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, placement);
        _rotary = new RotaryEmbedding(config.HeadDim, config.Rope);
        RegisterComponents();
    }

    public Embedding EmbedTokens => embed_tokens;
    public IReadOnlyList<LlamaDecoderLayer> Layers => layers.ToList();

    public int LayerCount => layers.Count;

    /// <summary>
    /// Recompute each decoder layer's activations in the backward pass instead of keeping them
    /// (<see cref="ActivationCheckpoint"/>). Takes effect only in training mode with gradients
    /// enabled and no KV cache: evaluation and generation run as without it.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    public Device Device => embed_tokens.weight!.device;

    /// <param name="inputIds">(B, T) int64 token ids.</param>
    /// <param name="attentionMask">(B, S) with 1 for real tokens and 0 for padding, S = cached + T;
    /// null when every token is real. Positions count real tokens only, so left padding works.</param>
    /// <param name="cache">Keys/values of earlier positions (generation), or null.</param>
    /// <returns>(B, T, D) final hidden states.</returns>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, KvCache? cache = null) =>
        Run(inputIds, attentionMask, cache, layers.Count);

    /// <summary>
    /// transformers' <c>hidden_states[layer]</c> (<c>output_hidden_states=True</c>): 0 is the token
    /// embeddings, 1 … N-1 the outputs of those decoder layers, N the last layer's output after the
    /// final norm (what <see cref="Forward"/> returns). Only the layers needed are run.
    /// </summary>
    /// <param name="inputIds">(B, T) int64 token ids.</param>
    /// <param name="attentionMask">(B, T), 1 for real tokens.</param>
    /// <returns>(B, T, D).</returns>
    public Tensor HiddenState(Tensor inputIds, Tensor attentionMask, int layer)
    {
        if (layer < 0 || layer > layers.Count)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"the model has hidden states 0..{layers.Count}");
        return Run(inputIds, attentionMask, null, layer);
    }

    private Tensor Run(Tensor inputIds, Tensor? attentionMask, KvCache? cache, int layerCount)
    {
        using var scope = NewDisposeScope();
        long b = inputIds.shape[0], t = inputIds.shape[1];
        var past = cache?.Length ?? 0;
        var device = inputIds.device;

        Tensor positions;                                                          // (B, T)
        if (attentionMask is null)
            positions = arange(past, past + t, int64, device).unsqueeze(0).expand(b, t);
        else
            positions = (attentionMask.to(int64).cumsum(1) - 1).clamp_min(0)[.., TensorIndex.Slice(past)];

        // Query i (absolute position past+i) may attend key j <= past+i, and only real keys.
        var mask = ones(t, past + t, @bool, device).tril(past).view(1, 1, t, past + t);
        if (attentionMask is not null)
        {
            mask = mask & attentionMask.to(@bool).view(b, 1, 1, past + t);
            // A padding query may see nothing; let it see everything instead of producing NaN.
            mask = mask | ~mask.any(-1, keepdim: true);
        }

        var x = embed_tokens.forward(inputIds);                                   // (B, T, D)
        var (cos, sin) = _rotary.Tables(positions, x.dtype);
        var checkpointed = GradientCheckpointing && training && cache is null && is_grad_enabled();
        for (var i = 0; i < layerCount; i++)
        {
            x = checkpointed
                ? ActivationCheckpoint.Run(layers[i], x, cos, sin, mask, i, _pendingGradient)
                : layers[i].Forward(x, cos, sin, mask, cache, i);
        }
        // The final norm belongs to the last hidden state only, as in transformers.
        return (layerCount == layers.Count ? norm.forward(x) : x).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _pendingGradient.Dispose();
        base.Dispose(disposing);
    }
}
