using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cora.Training.Tokenizers;

/// <summary>
/// The "normalizer" of a tokenizer.json, applied to each piece of text between added tokens.
/// Supported: Sequence, Prepend (Llama-2 / Mistral prepend '▁'), Replace (' ' → '▁').
/// </summary>
internal abstract class HfNormalizer
{
    public abstract string Normalize(string text);

    /// <summary>The normalizer at <paramref name="element"/>, or null for none (JSON null).</summary>
    public static HfNormalizer? Parse(JsonElement? element, string file, string path = "normalizer")
    {
        if (element is not { } json) return null;
        var type = HfJson.Type(json, file, path);
        return type switch
        {
            "Sequence" => new SequenceNormalizer(
                HfJson.Required(json, "normalizers", file, path).EnumerateArray()
                    .Select((n, i) => Parse(n, file, $"{path}.normalizers[{i}]")!).ToArray()),
            "Prepend" => PrependOf(json, file, path),
            "Replace" => ReplaceOf(json, file, path),
            _ => throw HfJson.Unsupported(file, path, type),
        };
    }

    private static FuncNormalizer PrependOf(JsonElement json, string file, string path)
    {
        // HF prepends only to non-empty text: an empty input stays empty.
        var prefix = HfJson.RequiredString(json, "prepend", file, path);
        return new FuncNormalizer(text => text.Length == 0 ? text : prefix + text);
    }

    private static FuncNormalizer ReplaceOf(JsonElement json, string file, string path)
    {
        var pattern = HfJson.Pattern(json, file, path);
        var content = HfJson.RequiredString(json, "content", file, path);
        return new FuncNormalizer(text => pattern.Replace(text, content.Replace("$", "$$", StringComparison.Ordinal)));
    }

    private sealed class SequenceNormalizer(HfNormalizer[] steps) : HfNormalizer
    {
        public override string Normalize(string text) => steps.Aggregate(text, (t, step) => step.Normalize(t));
    }

    private sealed class FuncNormalizer(Func<string, string> apply) : HfNormalizer
    {
        public override string Normalize(string text) => apply(text);
    }
}
