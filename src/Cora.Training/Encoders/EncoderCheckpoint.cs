using Cora.Training.Checkpoints;
using static TorchSharp.torch;

namespace Cora.Training.Encoders;

/// <summary>
/// Loads a BERT or RoBERTa checkpoint in Hugging Face layout (<c>config.json</c> +
/// <c>model.safetensors</c> or shards) into a <see cref="BertModel"/>. Tensor names may carry the
/// task-model prefix (<c>bert.</c> for BERT, <c>roberta.</c> for RoBERTa, as
/// <c>BertForMaskedLM</c> saves them) or not (as <c>BertModel</c> does), and old LayerNorm names
/// <c>gamma</c> / <c>beta</c> are read as <c>weight</c> / <c>bias</c>, as transformers does.
/// Task heads (<c>cls.*</c>, <c>lm_head.*</c>, <c>classifier.*</c>, …), the pooler and the
/// <c>position_ids</c> / <c>token_type_ids</c> buffers are not part of the encoder and are ignored.
/// Anything else fails loudly: every missing or unexpected encoder tensor and every wrong shape is
/// named with the file that holds it.
/// </summary>
public static class EncoderCheckpoint
{
    public const string ConfigFileName = "config.json";

    /// <summary>Reads config and weights from <paramref name="directory"/> (float32, CPU, eval mode).</summary>
    public static BertModel Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such checkpoint directory");
        var config = EncoderConfig.Load(Path.Combine(directory, ConfigFileName));
        using var weights = SafetensorsCheckpoint.Open(directory);
        var model = new BertModel(config);
        var sources = Resolve(model, weights, out var problems);
        if (problems.Count > 0)
            throw new InvalidInputException($"{directory}: checkpoint does not match its config.json ({config.ModelType}): {string.Join("; ", problems)}");
        using (no_grad())
        {
            foreach (var (name, parameter) in model.named_parameters())
            {
                using var stored = weights.Load(sources[name], parameter.dtype);
                parameter.copy_(stored);
            }
        }
        model.eval();
        return model;
    }

    /// <summary>
    /// The checkpoint tensor for every parameter of <paramref name="model"/>, and what is wrong:
    /// missing tensors, wrong shapes, unexpected encoder tensors. No tensor data is read.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Resolve(BertModel model, SafetensorsCheckpoint weights, out List<string> problems)
    {
        var prefix = model.Config.ModelType + ".";
        // A task-head checkpoint prefixes its encoder; a plain encoder checkpoint does not.
        var usePrefix = weights.Names.Any(n => n.StartsWith(prefix, StringComparison.Ordinal));
        string Stored(string name) => usePrefix ? prefix + name : name;

        problems = [];
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var key = Stored(name);
            if (!weights.Contains(key) && LegacyName(name) is { } legacy && weights.Contains(Stored(legacy))) key = Stored(legacy);
            if (!weights.Contains(key))
            {
                problems.Add($"missing tensor {Stored(name)} (expected shape [{string.Join(", ", parameter.shape)}])");
                continue;
            }
            var actual = weights.Entry(key).Shape;
            if (!actual.SequenceEqual(parameter.shape))
                problems.Add($"tensor {key} in {Path.GetFileName(weights.FileOf(key).Path)} has shape [{string.Join(", ", actual)}], config.json implies [{string.Join(", ", parameter.shape)}]");
            sources[name] = key;
        }
        var used = sources.Values.ToHashSet(StringComparer.Ordinal);
        var unexpected = weights.Names
            .Where(n => !used.Contains(n) && IsEncoderTensor(n, usePrefix ? prefix : null))
            .ToList();
        if (unexpected.Count > 0)
            problems.Add($"{unexpected.Count} unexpected tensor(s): {string.Join(", ", unexpected.Take(5))}{(unexpected.Count > 5 ? ", …" : "")}");
        return sources;
    }

    // transformers' _fix_key: TF-era checkpoints call LayerNorm's weight and bias gamma and beta.
    private static string? LegacyName(string name) =>
        name.EndsWith("LayerNorm.weight", StringComparison.Ordinal) ? name[..^"weight".Length] + "gamma"
        : name.EndsWith("LayerNorm.bias", StringComparison.Ordinal) ? name[..^"bias".Length] + "beta"
        : null;

    /// <summary>True for a tensor that belongs to the encoder proper (not a head, pooler or buffer).</summary>
    private static bool IsEncoderTensor(string name, string? prefix)
    {
        if (prefix is not null)
        {
            if (!name.StartsWith(prefix, StringComparison.Ordinal)) return false;   // a task head
            name = name[prefix.Length..];
        }
        return (name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.", StringComparison.Ordinal))
            && name is not ("embeddings.position_ids" or "embeddings.token_type_ids");
    }
}
