using System.Text.Json;

namespace Cora.Training.Tokenizers;

/// <summary>
/// What Cora takes from the "post_processor" of a tokenizer.json: the special token its
/// single-sequence template puts before the text (BOS) and after it (EOS). These are defaults for
/// <see cref="SpecialTokens"/> when no config file names BOS / EOS; see <see cref="CoraTokenizer"/>
/// for how Encode uses BOS. Supported: TemplateProcessing, RobertaProcessing / BertProcessing (cls before, sep after),
/// ByteLevel (changes no ids), Sequence.
/// </summary>
internal sealed record HfPostProcessor(string? Bos, string? Eos)
{
    public static HfPostProcessor Parse(JsonElement? element, string file, string path = "post_processor")
    {
        if (element is not { } json) return new HfPostProcessor(null, null);
        var type = HfJson.Type(json, file, path);
        switch (type)
        {
            case "ByteLevel":
                return new HfPostProcessor(null, null);
            case "RobertaProcessing" or "BertProcessing":
                // "cls": ["<s>", 0], "sep": ["</s>", 2]: the tokens around a single sequence.
                return new HfPostProcessor(PairToken(json, "cls", file, path), PairToken(json, "sep", file, path));
            case "Sequence":
                var parts = HfJson.Required(json, "processors", file, path).EnumerateArray()
                    .Select((p, i) => Parse(p, file, $"{path}.processors[{i}]")).ToList();
                return new HfPostProcessor(
                    parts.Select(p => p.Bos).FirstOrDefault(b => b is not null),
                    parts.Select(p => p.Eos).FirstOrDefault(e => e is not null));
            case "TemplateProcessing":
                string? bos = null, eos = null;
                var seenSequence = false;
                foreach (var item in HfJson.Required(json, "single", file, path).EnumerateArray())
                {
                    if (HfJson.Optional(item, "Sequence") is not null) seenSequence = true;
                    else if (HfJson.Optional(item, "SpecialToken") is { } special)
                    {
                        var id = TokenOf(json, HfJson.RequiredString(special, "id", file, $"{path}.single"));
                        if (!seenSequence) bos ??= id;
                        else eos ??= id;
                    }
                }
                return new HfPostProcessor(bos, eos);
            default:
                throw HfJson.Unsupported(file, path, type);
        }
    }

    private static string PairToken(JsonElement json, string key, string file, string path) =>
        HfJson.Required(json, key, file, path) is { ValueKind: JsonValueKind.Array } pair && pair.GetArrayLength() == 2
            && pair[0].ValueKind == JsonValueKind.String
            ? pair[0].GetString()!
            : throw new InvalidInputException($"{file}: {path}.{key} must be [token, id].");

    // A template names its special tokens by a key of "special_tokens", whose "tokens" spell them.
    private static string TokenOf(JsonElement template, string key) =>
        HfJson.Optional(template, "special_tokens") is { } map && HfJson.Optional(map, key) is { } entry
            && HfJson.Optional(entry, "tokens") is { ValueKind: JsonValueKind.Array } tokens
            && tokens.GetArrayLength() > 0 && tokens[0].ValueKind == JsonValueKind.String
            ? tokens[0].GetString()!
            : key;
}
