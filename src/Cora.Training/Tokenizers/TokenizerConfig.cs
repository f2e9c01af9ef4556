using System.Text.Json;

namespace Cora.Training.Tokenizers;

/// <summary>
/// What the optional tokenizer_config.json and special_tokens_map.json of a model directory say
/// about BOS / EOS / PAD. A token that a file names, or sets to null, is "specified"; one that no
/// file mentions is left to the tokenizer file itself. As in transformers, special_tokens_map.json
/// wins over tokenizer_config.json.
/// </summary>
internal sealed class TokenizerConfig
{
    public const string ConfigFile = "tokenizer_config.json";
    public const string SpecialTokensMapFile = "special_tokens_map.json";

    private readonly Dictionary<string, (string? Value, string File)> _tokens = new(StringComparer.Ordinal);

    public bool? AddBos { get; private set; }

    public static TokenizerConfig Read(string dir)
    {
        var config = new TokenizerConfig();
        foreach (var name in new[] { ConfigFile, SpecialTokensMapFile })
        {
            var path = Path.Combine(dir, name);
            if (!File.Exists(path)) continue;
            using var json = HfJson.Parse(path);
            config.Apply(json.RootElement, path, readsAddBos: name == ConfigFile);
        }
        return config;
    }

    /// <summary>Takes what one file says; <paramref name="file"/> names it in errors.</summary>
    public void Apply(JsonElement root, string file, bool readsAddBos)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException($"{file}: expected a JSON object.");
        foreach (var key in new[] { "bos_token", "eos_token", "pad_token" })
        {
            if (root.TryGetProperty(key, out var value)) _tokens[key] = (TokenContent(value, file, key), file);
        }
        if (readsAddBos && HfJson.Optional(root, "add_bos_token") is not null)
            AddBos = HfJson.Bool(root, "add_bos_token", true, file, "$");
    }

    /// <summary>
    /// The token for <paramref name="key"/> ("bos_token", …): the files' value when they specify
    /// one, else <paramref name="fallback"/>. A named token must be in the vocabulary.
    /// </summary>
    public string? Resolve(string key, string? fallback, Func<string, bool> inVocabulary)
    {
        if (!_tokens.TryGetValue(key, out var entry)) return fallback;
        if (entry.Value is { } token && !inVocabulary(token))
            throw new InvalidInputException($"{entry.File}: {key} '{token}' is not in the tokenizer's vocabulary.");
        return entry.Value;
    }

    // A special token is "…" or an AddedToken object {"content": "…", …}.
    private static string? TokenContent(JsonElement value, string file, string key) => value.ValueKind switch
    {
        JsonValueKind.Null => null,
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object => HfJson.RequiredString(value, "content", file, key),
        _ => throw new InvalidInputException($"{file}: '{key}' must be a string or an object with \"content\", not {value}."),
    };
}
