using System.Text.Json.Nodes;
using Cora.Training.IO;

namespace Cora.Training.Encoders;

/// <summary>
/// The architecture of a BERT or RoBERTa checkpoint as its Hugging Face <c>config.json</c> states
/// it (<c>BertConfig</c> / <c>RobertaConfig</c>), with transformers' defaults. Immutable and
/// validated: an instance always describes an encoder <see cref="BertModel"/> can build.
/// </summary>
public sealed record EncoderConfig
{
    /// <summary>"bert" or "roberta" (config.json <c>model_type</c>).</summary>
    public required string ModelType { get; init; }
    public required int VocabSize { get; init; }
    public int HiddenSize { get; init; } = 768;
    public int NumHiddenLayers { get; init; } = 12;
    public int NumAttentionHeads { get; init; } = 12;
    public int IntermediateSize { get; init; } = 3072;
    /// <summary>"gelu" (erf), or the tanh approximation "gelu_new" / "gelu_pytorch_tanh".</summary>
    public string HiddenAct { get; init; } = "gelu";
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double LayerNormEps { get; init; } = 1e-12;
    /// <summary>BERT: 0. RoBERTa: 1, which is also where its position ids start counting from.</summary>
    public int PadTokenId { get; init; }

    /// <summary>RoBERTa numbers positions from <c>pad_token_id + 1</c> and skips padding.</summary>
    public bool IsRoberta => ModelType == "roberta";

    public int HeadDim => HiddenSize / NumAttentionHeads;

    /// <summary>How many tokens, special tokens included, fit the position table.</summary>
    public int MaxTokens => IsRoberta ? MaxPositionEmbeddings - PadTokenId - 1 : MaxPositionEmbeddings;

    /// <summary>Reads and validates <c>config.json</c>; errors name the file and the key.</summary>
    public static EncoderConfig Load(string path) => FromJson(ConfigReader.ReadObject(path), path);

    /// <summary>Builds a config from a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static EncoderConfig FromJson(JsonObject json, string source)
    {
        var reader = new ConfigReader(json, source);
        var modelType = reader.String("model_type", null)
            ?? throw new InvalidInputException($"{source}: missing required key \"model_type\" (bert or roberta)");
        if (modelType is not ("bert" or "roberta"))
            throw new InvalidInputException($"{source}: model_type \"{modelType}\" is not an encoder Cora runs (bert, roberta)");
        var positions = reader.String("position_embedding_type", "absolute");
        if (positions != "absolute")
            throw new InvalidInputException($"{source}: position_embedding_type \"{positions}\" is not supported (only \"absolute\")");
        var roberta = modelType == "roberta";
        var config = new EncoderConfig
        {
            ModelType = modelType,
            VocabSize = reader.Int("vocab_size"),
            HiddenSize = reader.OptionalInt("hidden_size") ?? 768,
            NumHiddenLayers = reader.OptionalInt("num_hidden_layers") ?? 12,
            NumAttentionHeads = reader.OptionalInt("num_attention_heads") ?? 12,
            IntermediateSize = reader.OptionalInt("intermediate_size") ?? 3072,
            HiddenAct = reader.String("hidden_act", "gelu")!,
            MaxPositionEmbeddings = reader.OptionalInt("max_position_embeddings") ?? 512,
            TypeVocabSize = reader.OptionalInt("type_vocab_size") ?? 2,
            LayerNormEps = reader.Double("layer_norm_eps", 1e-12),
            PadTokenId = reader.OptionalInt("pad_token_id") ?? (roberta ? 1 : 0),
        };
        return config.Validated(source);
    }

    /// <summary>Checks every invariant the model relies on; returns this config.</summary>
    public EncoderConfig Validated(string source = "config")
    {
        void Positive(string key, double value)
        {
            if (value <= 0) throw new InvalidInputException($"{source}: {key} must be positive (got {value})");
        }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("intermediate_size", IntermediateSize);
        Positive("max_position_embeddings", MaxPositionEmbeddings);
        Positive("type_vocab_size", TypeVocabSize);
        Positive("layer_norm_eps", LayerNormEps);
        if (HiddenSize % NumAttentionHeads != 0)
            throw new InvalidInputException($"{source}: hidden_size {HiddenSize} is not divisible by num_attention_heads {NumAttentionHeads}");
        if (HiddenAct is not ("gelu" or "gelu_new" or "gelu_pytorch_tanh"))
            throw new InvalidInputException($"{source}: hidden_act \"{HiddenAct}\" is not supported (gelu, gelu_new, gelu_pytorch_tanh)");
        if (PadTokenId < 0 || PadTokenId >= VocabSize)
            throw new InvalidInputException($"{source}: pad_token_id {PadTokenId} is outside the vocabulary (size {VocabSize})");
        if (MaxTokens <= 2)
            throw new InvalidInputException($"{source}: max_position_embeddings {MaxPositionEmbeddings} leaves no room for text");
        return this;
    }
}
