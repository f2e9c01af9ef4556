using System.Collections.Frozen;
using System.Text.Json.Nodes;

namespace Cora.Training.Model;

/// <summary>
/// Which top-level keys of a Llama <c>config.json</c> Cora accepts. A key that changes the forward
/// pass in a way Cora does not implement must be refused, never ignored: a model that quietly
/// computes something other than what transformers computes is worse than one that does not load.
/// So every accepted key is on one of three lists: read by <see cref="LlamaConfig.FromJson"/>;
/// accepted only at the value that leaves the forward pass as Cora computes it; or metadata that
/// transformers' <c>LlamaForCausalLM</c> forward pass does not read. Anything else is refused by name.
/// </summary>
internal static class LlamaConfigKeys
{
    /// <summary>The keys <see cref="LlamaConfig.FromJson"/> reads (and validates).</summary>
    private static readonly FrozenSet<string> Read = FrozenSet.Create(StringComparer.Ordinal,
    [
        "model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "head_dim", "hidden_act", "rms_norm_eps",
        "max_position_embeddings", "attention_bias", "mlp_bias", "tie_word_embeddings",
        "rope_theta", "rope_scaling", "rope_parameters",
        "bos_token_id", "eos_token_id", "pad_token_id", "torch_dtype", "dtype", "initializer_range",
    ]);

    /// <summary>
    /// Keys that change the forward pass, with the one value Cora implements (what transformers
    /// also computes when the key is absent) and how an error states it.
    /// </summary>
    private static readonly (string Key, Func<JsonNode?, bool> IsImplemented, string Implemented)[] OnlyAtDefault =
    [
        ("attention_dropout", n => n is null || (n is JsonValue v && v.TryGetValue<double>(out var p) && p == 0), "0"),
        ("sliding_window", n => n is null, "null: full causal attention"),
        ("partial_rotary_factor", n => n is null || (n is JsonValue v && v.TryGetValue<double>(out var f) && f == 1), "1: RoPE on the whole head"),
        ("quantization_config", n => n is null, "unquantized weights"),
        ("pruned_heads", n => n is null || n is JsonObject { Count: 0 }, "{}: no pruned heads"),
    ];

    /// <summary>
    /// transformers' generic <c>PretrainedConfig</c> keys (provenance, output switches, generation
    /// defaults, labels for heads a causal LM has not) and Llama keys that do not change the
    /// result: <c>use_cache</c> only keeps keys and values around, and <c>pretraining_tp</c> splits
    /// the projections into slices whose results are concatenated, which is the same product.
    /// </summary>
    private static readonly FrozenSet<string> Metadata = FrozenSet.Create(StringComparer.Ordinal,
    [
        "architectures", "transformers_version", "_name_or_path", "_commit_hash", "_attn_implementation_autoset",
        "use_cache", "pretraining_tp",
        "return_dict", "output_attentions", "output_hidden_states", "output_scores", "return_dict_in_generate",
        "torchscript", "use_bfloat16", "tf_legacy_loss", "chunk_size_feed_forward",
        "is_encoder_decoder", "is_decoder", "add_cross_attention", "cross_attention_hidden_size", "tie_encoder_decoder",
        "id2label", "label2id", "num_labels", "problem_type", "finetuning_task", "task_specific_params",
        "tokenizer_class", "prefix", "sep_token_id", "decoder_start_token_id",
        "max_length", "min_length", "do_sample", "early_stopping", "num_beams", "num_beam_groups",
        "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty",
        "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids",
        "num_return_sequences", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
        "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens",
    ]);

    /// <summary>Refuses, naming it, every key that is on none of the lists, and every key accepted
    /// only at its default that has another value.</summary>
    public static void Check(JsonObject json, string source)
    {
        foreach (var (key, isImplemented, implemented) in OnlyAtDefault)
        {
            if (!isImplemented(json[key]))
                throw new InvalidInputException($"{source}: {key} {json[key]!.ToJsonString()} is not supported (Cora implements only {implemented})");
        }
        var unknown = json.Select(p => p.Key)
            .Where(k => !Read.Contains(k) && !Metadata.Contains(k) && !OnlyAtDefault.Any(o => o.Key == k))
            .ToList();
        if (unknown.Count > 0) throw NotUnderstood(source, unknown, "");
    }

    /// <summary>The error for keys Cora does not know; <paramref name="detail"/> follows the key list.</summary>
    internal static InvalidInputException NotUnderstood(string source, IReadOnlyList<string> keys, string detail) =>
        new($"{source}: {(keys.Count == 1 ? "key" : "keys")} {string.Join(", ", keys.Select(k => $"\"{k}\""))}{detail} "
            + $"{(keys.Count == 1 ? "is" : "are")} not understood by Cora and may change the forward pass; "
            + "Cora refuses a config it cannot follow rather than ignore part of it");
}
