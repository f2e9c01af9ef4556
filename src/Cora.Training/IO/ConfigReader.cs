using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cora.Training.IO;

/// <summary>
/// Reads typed values from a Hugging Face <c>config.json</c> object, with transformers' defaults
/// supplied by the caller; every error names the source file and the key. A reader of a nested
/// object is given the object's key as <paramref name="prefix"/> (e.g. <c>"rope_scaling."</c>), so its
/// errors name the key as a path from the top of the file.
/// </summary>
internal sealed class ConfigReader(JsonObject json, string source, string prefix = "")
{
    /// <summary>The JSON object in <paramref name="path"/>; a missing file or bad JSON names the file.</summary>
    public static JsonObject ReadObject(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException($"{path}: no such file (a checkpoint needs config.json)");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InvalidInputException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not valid JSON ({e.Message})", e);
        }
    }

    public int Int(string key) => OptionalInt(key) ?? throw Missing(key);

    public int? OptionalInt(string key)
    {
        var node = json[key];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<long>(out var l) && l is >= int.MinValue and <= int.MaxValue) return (int)l;
        // A list (e.g. several eos ids) is legal for token ids: take the first.
        if (node is JsonArray { Count: > 0 } a && key.EndsWith("_token_id", StringComparison.Ordinal)) return OptionalIntOf(a[0], key);
        throw new InvalidInputException($"{source}: key \"{prefix}{key}\" must be an integer (got {node.ToJsonString()})");
    }

    private int? OptionalIntOf(JsonNode? node, string key) =>
        node is JsonValue v && v.TryGetValue<long>(out var l) ? (int)l
            : throw new InvalidInputException($"{source}: key \"{prefix}{key}\" must be an integer (got {node?.ToJsonString()})");

    public double Double(string key) => OptionalDouble(key) ?? throw Missing(key);

    public double Double(string key, double fallback) => OptionalDouble(key) ?? fallback;

    public double? OptionalDouble(string key)
    {
        var node = json[key];
        if (node is null) return null;
        if (node is JsonValue v && v.TryGetValue<double>(out var d)) return d;
        throw new InvalidInputException($"{source}: key \"{prefix}{key}\" must be a number (got {node.ToJsonString()})");
    }

    public bool Bool(string key, bool fallback)
    {
        var node = json[key];
        if (node is null) return fallback;
        if (node is JsonValue v && v.TryGetValue<bool>(out var b)) return b;
        throw new InvalidInputException($"{source}: key \"{prefix}{key}\" must be true or false (got {node.ToJsonString()})");
    }

    public string? String(string key, string? fallback)
    {
        var node = json[key];
        if (node is null) return fallback;
        if (node is JsonValue v && v.TryGetValue<string>(out var s)) return s;
        throw new InvalidInputException($"{source}: key \"{prefix}{key}\" must be a string (got {node.ToJsonString()})");
    }

    private InvalidInputException Missing(string key) => new($"{source}: missing required key \"{prefix}{key}\"");
}
