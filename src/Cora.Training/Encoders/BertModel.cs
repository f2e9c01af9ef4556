using Cora.Training.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>
/// A BERT or RoBERTa encoder, numerically transformers' <c>BertModel</c> / <c>RobertaModel</c>
/// without the pooler (eval mode: no dropout). Parameter names are Hugging Face's, without the
/// <c>bert.</c> / <c>roberta.</c> prefix of task-head checkpoints
/// (<c>embeddings.word_embeddings.weight</c>, <c>encoder.layer.0.attention.self.query.weight</c>, …);
/// <see cref="EncoderCheckpoint"/> maps both spellings.
/// </summary>
public sealed class BertModel : nn.Module, IHiddenStates
{
#pragma warning disable IDE1006 // field names are checkpoint keys
    private readonly BertEmbeddings embeddings;
    private readonly BertEncoder encoder;
#pragma warning restore IDE1006

    /// <summary>Allocates the model (float32, CPU) with TorchSharp's default initialisation; load weights into it.</summary>
    public BertModel(EncoderConfig config) : base(nameof(BertModel))
    {
        Config = config.Validated();
        embeddings = new BertEmbeddings(config);
        encoder = new BertEncoder(config);
        RegisterComponents();
    }

    public EncoderConfig Config { get; }

    public int LayerCount => Config.NumHiddenLayers;

    /// <summary>
    /// The hidden state after <paramref name="layer"/> layers: 0 is the embeddings' output, L the
    /// output of layer L — transformers' <c>hidden_states[L]</c>, and what bert-score's
    /// <c>num_layers = L</c> scores with (it cuts the model after L layers and takes the last state).
    /// </summary>
    /// <param name="inputIds">(B, T) int64.</param>
    /// <param name="attentionMask">(B, T), 1 for real tokens, 0 for padding.</param>
    /// <returns>(B, T, D); rows of padding positions are computed but meaningless.</returns>
    public Tensor HiddenState(Tensor inputIds, Tensor attentionMask, int layer)
    {
        if (layer < 0 || layer > Config.NumHiddenLayers)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"the model has layers 0..{Config.NumHiddenLayers}");
        using var scope = NewDisposeScope();
        // Every query may attend every real key; a padding query too (its row is never used).
        var mask = attentionMask.to(@bool).view(inputIds.shape[0], 1, 1, inputIds.shape[1]);  // (B, 1, 1, T)
        var x = embeddings.Forward(inputIds);                                                  // (B, T, D)
        return encoder.Forward(x, mask, layer).MoveToOuterDisposeScope();
    }

    /// <summary>Where the weights are (inputs must be there too).</summary>
    public Device Device => parameters().First().device;
}
