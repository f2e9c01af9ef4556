using System.Text.RegularExpressions;
using Cora.Training.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Model;

/// <summary>
/// Loads and saves <see cref="LlamaForCausalLM"/> in Hugging Face layout: <c>config.json</c> plus
/// <c>model.safetensors</c> (or shards with an index), tensor names as transformers writes them.
/// Loading fails loudly: every expected tensor present, nothing unexpected, every shape right —
/// each error names the tensor, the file and what was expected.
/// </summary>
public static partial class LlamaCheckpoint
{
    public const string ConfigFileName = "config.json";

    /// <summary>Tensors some checkpoints carry that are recomputed, not loaded.</summary>
    [GeneratedRegex(@"(^|\.)rotary_emb\.inv_freq$")]
    private static partial Regex IgnoredTensor();

    /// <summary>The checkpoint's <c>config.json</c> alone, without opening its weights. A missing
    /// directory is a <see cref="DirectoryNotFoundException"/> (a path or mount this node lacks),
    /// a missing or bad config an <see cref="InvalidInputException"/>.</summary>
    public static LlamaConfig LoadConfig(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such checkpoint directory");
        return LlamaConfig.Load(Path.Combine(directory, ConfigFileName));
    }

    /// <summary>Reads config and weights from <paramref name="directory"/> into a model allocated
    /// in <paramref name="placement"/>'s dtype and device (float32 on the CPU by default, whatever the
    /// stored dtype): one tensor at a time, so memory is the model plus one tensor in flight.</summary>
    public static LlamaForCausalLM Load(string directory, Placement? placement = null)
    {
        var config = LoadConfig(directory);
        using var weights = SafetensorsCheckpoint.Open(directory);
        var problems = Verify(config, weights);
        if (problems.Count > 0)
            throw new InvalidInputException($"{directory}: checkpoint does not match its config.json: {string.Join("; ", problems)}");

        var model = new LlamaForCausalLM(config, placement);
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                using var stored = weights.Load(name, parameter.dtype);
                parameter.copy_(stored);
            }
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// What is wrong between a config and a set of weights, without loading any tensor: missing
    /// tensors, unexpected tensors, wrong shapes. Empty when the checkpoint is complete.
    /// </summary>
    public static IReadOnlyList<string> Verify(LlamaConfig config, SafetensorsCheckpoint weights)
    {
        var expected = ExpectedShapes(config);
        var problems = new List<string>();
        foreach (var (name, shape) in expected)
        {
            if (!weights.Contains(name))
            {
                problems.Add($"missing tensor {name} (expected shape [{string.Join(", ", shape)}])");
                continue;
            }
            var actual = weights.Entry(name).Shape;
            if (!actual.SequenceEqual(shape))
                problems.Add($"tensor {name} in {Path.GetFileName(weights.FileOf(name).Path)} has shape [{string.Join(", ", actual)}], config.json implies [{string.Join(", ", shape)}]");
        }
        var unexpected = weights.Names
            .Where(n => !expected.ContainsKey(n) && !IgnoredTensor().IsMatch(n) && !(n == "lm_head.weight" && config.TieWordEmbeddings))
            .ToList();
        if (unexpected.Count > 0)
            problems.Add($"{unexpected.Count} unexpected tensor(s): {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", …" : "")}");
        return problems;
    }

    /// <summary>Every parameter a model of this config has, by Hugging Face name, with its shape.</summary>
    public static IReadOnlyDictionary<string, long[]> ExpectedShapes(LlamaConfig c)
    {
        long d = c.HiddenSize, q = (long)c.NumAttentionHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim, m = c.IntermediateSize;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal) { ["model.embed_tokens.weight"] = [c.VocabSize, d] };
        for (var i = 0; i < c.NumHiddenLayers; i++)
        {
            var p = $"model.layers.{i}.";
            void Linear(string name, long outFeatures, long inFeatures, bool bias)
            {
                shapes[p + name + ".weight"] = [outFeatures, inFeatures];
                if (bias) shapes[p + name + ".bias"] = [outFeatures];
            }
            Linear("self_attn.q_proj", q, d, c.AttentionBias);
            Linear("self_attn.k_proj", kv, d, c.AttentionBias);
            Linear("self_attn.v_proj", kv, d, c.AttentionBias);
            Linear("self_attn.o_proj", d, q, c.AttentionBias);
            Linear("mlp.gate_proj", m, d, c.MlpBias);
            Linear("mlp.up_proj", m, d, c.MlpBias);
            Linear("mlp.down_proj", d, m, c.MlpBias);
            shapes[p + "input_layernorm.weight"] = [d];
            shapes[p + "post_attention_layernorm.weight"] = [d];
        }
        shapes["model.norm.weight"] = [d];
        if (!c.TieWordEmbeddings) shapes["lm_head.weight"] = [c.VocabSize, d];
        return shapes;
    }

    /// <summary>
    /// Writes <c>config.json</c> and the weights (stored as <paramref name="storeAs"/>, default the
    /// model's dtype) to <paramref name="directory"/>, sharded above <paramref name="maxShardBytes"/>.
    /// Every file is written atomically; config.json is written last, so a directory with a
    /// config.json has complete weights.
    /// </summary>
    public static void Save(LlamaForCausalLM model, string directory, ScalarType? storeAs = null, long? maxShardBytes = null)
    {
        // Conversions to the stored dtype are temporaries: the scope frees them when writing ends.
        using var scope = NewDisposeScope();
        var dtype = storeAs ?? model.parameters().First().dtype;
        Directory.CreateDirectory(directory);
        var tensors = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter.detach()));
        SafetensorsCheckpoint.Write(directory, tensors.Select(t => (t.name, dtype == t.Item2.dtype ? t.Item2 : t.Item2.to(dtype))),
            maxShardBytes);
        (model.Config with { TorchDtype = DtypeName(dtype) }).Save(Path.Combine(directory, ConfigFileName));
    }

    /// <summary>The scalar type of a <c>torch_dtype</c> name (the inverse of <see cref="DtypeName"/>).</summary>
    public static ScalarType Dtype(string torchDtype) => torchDtype switch
    {
        "float32" => ScalarType.Float32,
        "float16" => ScalarType.Float16,
        "bfloat16" => ScalarType.BFloat16,
        _ => throw new ArgumentException($"no Llama checkpoint dtype is called {torchDtype}", nameof(torchDtype)),
    };

    /// <summary>The <c>torch_dtype</c> name of a floating-point scalar type.</summary>
    public static string DtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        _ => throw new ArgumentException($"cannot store a Llama checkpoint as {dtype}", nameof(dtype)),
    };
}
