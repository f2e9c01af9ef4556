using System.Text.Json;
using System.Text.Json.Nodes;
using Cora.Training.IO;

namespace Cora.Training.Model;

/// <summary>
/// The architecture of a Llama-family checkpoint, as Hugging Face's <c>config.json</c> states it
/// (<c>LlamaConfig</c>), with the defaults <c>transformers</c> applies. Immutable and validated:
/// an instance always describes a model that can be built.
/// </summary>
public sealed record LlamaConfig
{
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    /// <summary>Defaults to <see cref="NumAttentionHeads"/> (multi-head attention).</summary>
    public int NumKeyValueHeads { get; init; }
    /// <summary>Defaults to hidden_size / num_attention_heads.</summary>
    public int HeadDim { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    /// <summary>The rotary embedding: type, theta and scaling (default RoPE, theta 10000, unless stated).</summary>
    public RopeParameters Rope { get; init; } = new();
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public bool AttentionBias { get; init; }
    public bool MlpBias { get; init; }
    public bool TieWordEmbeddings { get; init; }
    public int? BosTokenId { get; init; } = 1;
    public int? EosTokenId { get; init; } = 2;
    public int? PadTokenId { get; init; }
    /// <summary>The dtype the weights are stored in (HF <c>torch_dtype</c>): float32, float16 or bfloat16.</summary>
    public string TorchDtype { get; init; } = "float32";
    public double InitializerRange { get; init; } = 0.02;

    /// <summary>Query heads per key/value head (1 for multi-head attention).</summary>
    public int KeyValueGroups => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>True for grouped-query attention: k/v projections are narrower than q.</summary>
    public bool IsGroupedQuery => NumKeyValueHeads != NumAttentionHeads;

    /// <summary>Reads and validates <c>config.json</c>; errors name the file and the key.</summary>
    public static LlamaConfig Load(string path) => FromJson(ConfigReader.ReadObject(path), path);

    /// <summary>Builds a config from a parsed <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static LlamaConfig FromJson(JsonObject json, string source)
    {
        var reader = new ConfigReader(json, source);
        var modelType = reader.String("model_type", null);
        if (modelType is not null and not "llama" and not "mistral")
            throw new InvalidInputException($"{source}: model_type \"{modelType}\" is not a Llama-family model (expected \"llama\")");
        var act = reader.String("hidden_act", "silu");
        if (act != "silu") throw new InvalidInputException($"{source}: hidden_act \"{act}\" is not supported (Llama uses \"silu\")");
        LlamaConfigKeys.Check(json, source);

        var heads = reader.Int("num_attention_heads");
        var hidden = reader.Int("hidden_size");
        var config = new LlamaConfig
        {
            VocabSize = reader.Int("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = reader.Int("intermediate_size"),
            NumHiddenLayers = reader.Int("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = reader.OptionalInt("num_key_value_heads") ?? heads,
            HeadDim = reader.OptionalInt("head_dim") ?? (heads > 0 && hidden % heads == 0 ? hidden / heads : 0),
            RmsNormEps = reader.Double("rms_norm_eps", 1e-6),
            Rope = RopeParameters.FromConfig(json, source),
            MaxPositionEmbeddings = reader.OptionalInt("max_position_embeddings") ?? 2048,
            AttentionBias = reader.Bool("attention_bias", false),
            MlpBias = reader.Bool("mlp_bias", false),
            TieWordEmbeddings = reader.Bool("tie_word_embeddings", false),
            BosTokenId = reader.OptionalInt("bos_token_id"),
            EosTokenId = reader.OptionalInt("eos_token_id"),
            PadTokenId = reader.OptionalInt("pad_token_id"),
            TorchDtype = reader.String("torch_dtype", null) ?? reader.String("dtype", "float32")!,
            InitializerRange = reader.Double("initializer_range", 0.02),
        };
        if (reader.OptionalInt("head_dim") is null && hidden % heads != 0)
            throw new InvalidInputException($"{source}: hidden_size {hidden} is not divisible by num_attention_heads {heads}, and there is no head_dim");
        return config.Validated(source);
    }

    /// <summary>Checks every invariant the model relies on; returns this config.</summary>
    public LlamaConfig Validated(string source = "config")
    {
        void Positive(string key, double value)
        {
            if (value <= 0) throw new InvalidInputException($"{source}: {key} must be positive (got {value})");
        }
        Positive("vocab_size", VocabSize);
        Positive("hidden_size", HiddenSize);
        Positive("intermediate_size", IntermediateSize);
        Positive("num_hidden_layers", NumHiddenLayers);
        Positive("num_attention_heads", NumAttentionHeads);
        Positive("num_key_value_heads", NumKeyValueHeads);
        Positive("head_dim", HeadDim);
        Positive("rms_norm_eps", RmsNormEps);
        Rope.Validated(source);
        Positive("max_position_embeddings", MaxPositionEmbeddings);
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new InvalidInputException($"{source}: num_attention_heads {NumAttentionHeads} is not a multiple of num_key_value_heads {NumKeyValueHeads}");
        if (HeadDim % 2 != 0)
            throw new InvalidInputException($"{source}: head_dim {HeadDim} must be even (rotary embeddings rotate pairs)");
        if (TorchDtype is not ("float32" or "float16" or "bfloat16"))
            throw new InvalidInputException($"{source}: torch_dtype \"{TorchDtype}\" is not supported (float32, float16, bfloat16)");
        return this;
    }

    private static readonly JsonSerializerOptions SaveOptions = new() { WriteIndented = true, IndentSize = 2 };

    /// <summary>
    /// Writes <c>config.json</c> as <c>save_pretrained</c> does: sorted keys, indent 2. The RoPE goes
    /// in transformers 4's keys (<c>rope_theta</c>, <c>rope_scaling</c>), which transformers 5 reads too.
    /// </summary>
    public void Save(string path)
    {
        var values = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["architectures"] = new[] { "LlamaForCausalLM" },
            ["attention_bias"] = AttentionBias,
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = EosTokenId,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["hidden_size"] = HiddenSize,
            ["initializer_range"] = InitializerRange,
            ["intermediate_size"] = IntermediateSize,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["mlp_bias"] = MlpBias,
            ["model_type"] = "llama",
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["pad_token_id"] = PadTokenId,
            ["pretraining_tp"] = 1,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_scaling"] = Rope.ScalingJson(),
            ["rope_theta"] = Rope.Theta,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = TorchDtype,
            ["use_cache"] = true,
            ["vocab_size"] = VocabSize,
        };
        var text = JsonSerializer.Serialize(values, SaveOptions);
        AtomicFile.WriteAllText(path, text + "\n");
    }
}
