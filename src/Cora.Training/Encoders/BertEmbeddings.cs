using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>
/// Word + position + token-type embeddings, then LayerNorm (transformers' <c>BertEmbeddings</c> /
/// <c>RobertaEmbeddings</c>). Token types are all 0, as for the single sentences BERTScore encodes.
/// BERT positions are 0, 1, 2, …; RoBERTa's count only non-padding tokens and start at
/// <c>pad_token_id + 1</c>, padding keeping position <c>pad_token_id</c>
/// (<c>create_position_ids_from_input_ids</c>).
/// </summary>
public sealed class BertEmbeddings : nn.Module
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly Embedding word_embeddings;
    private readonly Embedding position_embeddings;
    private readonly Embedding token_type_embeddings;
    private readonly LayerNorm LayerNorm;
#pragma warning restore IDE1006
    private readonly EncoderConfig _config;

    public BertEmbeddings(EncoderConfig config) : base(nameof(BertEmbeddings))
    {
        _config = config;
        word_embeddings = nn.Embedding(config.VocabSize, config.HiddenSize);
        position_embeddings = nn.Embedding(config.MaxPositionEmbeddings, config.HiddenSize);
        token_type_embeddings = nn.Embedding(config.TypeVocabSize, config.HiddenSize);
        LayerNorm = nn.LayerNorm(config.HiddenSize, config.LayerNormEps);
        RegisterComponents();
    }

    /// <param name="inputIds">(B, T) int64.</param>
    /// <returns>(B, T, D).</returns>
    public Tensor Forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        long b = inputIds.shape[0], t = inputIds.shape[1];
        Tensor positions;                                                             // (B, T)
        if (_config.IsRoberta)
        {
            var real = inputIds.ne(_config.PadTokenId).to(int64);
            positions = real.cumsum(1) * real + _config.PadTokenId;
        }
        else
        {
            positions = arange(t, int64, inputIds.device).unsqueeze(0).expand(b, t);
        }
        var types = zeros_like(inputIds);
        var x = word_embeddings.forward(inputIds) + position_embeddings.forward(positions) + token_type_embeddings.forward(types);
        return LayerNorm.forward(x).MoveToOuterDisposeScope();
    }
}
