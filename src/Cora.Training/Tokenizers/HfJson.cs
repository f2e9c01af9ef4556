using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cora.Training.Tokenizers;

/// <summary>
/// Reading Hugging Face tokenizer files: every malformed or unsupported value becomes an
/// <see cref="InvalidInputException"/> that names the file, the JSON path and the value.
/// </summary>
internal static class HfJson
{
    public static JsonDocument Parse(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not valid JSON ({e.Message}).", e);
        }
    }

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty(name, out var value)
            && value.ValueKind != JsonValueKind.Null ? value : null;

    public static JsonElement Required(JsonElement obj, string name, string file, string path) =>
        Optional(obj, name) ?? throw new InvalidInputException($"{file}: '{path}.{name}' is missing.");

    public static string? OptionalString(JsonElement obj, string name, string file, string path)
    {
        if (Optional(obj, name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.String)
            throw new InvalidInputException($"{file}: '{path}.{name}' must be a string, not {value.ValueKind}.");
        return value.GetString()!;
    }

    public static string RequiredString(JsonElement obj, string name, string file, string path) =>
        OptionalString(obj, name, file, path)
        ?? throw new InvalidInputException($"{file}: '{path}.{name}' is missing.");

    public static bool Bool(JsonElement obj, string name, bool fallback, string file, string path)
    {
        if (Optional(obj, name) is not { } value) return fallback;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidInputException($"{file}: '{path}.{name}' must be true or false, not {value}."),
        };
    }

    public static int Int(JsonElement obj, string name, int fallback, string file, string path)
    {
        if (Optional(obj, name) is not { } value) return fallback;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number))
            throw new InvalidInputException($"{file}: '{path}.{name}' must be an integer, not {value}.");
        return number;
    }

    /// <summary>The "type" of a component, e.g. "BPE", "Sequence", "ByteLevel".</summary>
    public static string Type(JsonElement component, string file, string path) =>
        RequiredString(component, "type", file, path);

    public static InvalidInputException Unsupported(string file, string path, string value) =>
        new($"{file}: unsupported {path} type '{value}'.");

    /// <summary>
    /// A replace/split pattern: <c>{"String": "…"}</c> (literal) or <c>{"Regex": "…"}</c>.
    /// </summary>
    public static Regex Pattern(JsonElement component, string file, string path)
    {
        var pattern = Required(component, "pattern", file, path);
        if (OptionalString(pattern, "String", file, path + ".pattern") is { } literal)
            return new Regex(Regex.Escape(literal),
                RegexOptions.CultureInvariant);
        if (OptionalString(pattern, "Regex", file, path + ".pattern") is { } regex)
            return new Regex(regex, RegexOptions.CultureInvariant);
        throw new InvalidInputException($"{file}: '{path}.pattern' must hold \"String\" or \"Regex\".");
    }
}
