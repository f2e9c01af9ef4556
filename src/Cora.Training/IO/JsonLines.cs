using System.Text.Json;
using System.Text.Unicode;

namespace Cora.Training.IO;

/// <summary>
/// Reads JSON Lines: one JSON value per line, UTF-8 (a BOM is allowed), blank lines skipped.
/// Every error names the file and the 1-based line: not UTF-8, not JSON, or whatever the
/// caller's parser rejects.
/// </summary>
public static class JsonLines
{
    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    /// <summary>The file's bytes without a BOM, checked to be UTF-8 line by line.</summary>
    /// <exception cref="FileNotFoundException">No such file (missing input, not malformed input).</exception>
    public static ReadOnlyMemory<byte> ReadUtf8(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file", path);
        var text = new ReadOnlyMemory<byte>(File.ReadAllBytes(path));
        if (text.Span.StartsWith(Utf8Bom)) text = text[Utf8Bom.Length..];

        var rest = text.Span;
        for (var line = 1; ; line++)
        {
            var end = rest.IndexOf((byte)'\n');
            if (!Utf8.IsValid(end < 0 ? rest : rest[..end]))
                throw new InvalidInputException($"{path}, line {line}: not valid UTF-8");
            if (end < 0) return text;
            rest = rest[(end + 1)..];
        }
    }

    /// <summary>Parses each non-blank line of <paramref name="text"/> and hands it to
    /// <paramref name="parse"/> with its line number.</summary>
    public static List<T> Parse<T>(string path, ReadOnlyMemory<byte> text, Func<int, JsonElement, T> parse)
    {
        var items = new List<T>();
        var line = 0;
        while (!text.IsEmpty)
        {
            line++;
            var end = text.Span.IndexOf((byte)'\n');
            var content = end < 0 ? text : text[..end];
            text = end < 0 ? ReadOnlyMemory<byte>.Empty : text[(end + 1)..];
            if (content.Span.IndexOfAnyExcept(" \t\r"u8) < 0) continue;

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(content);
            }
            catch (JsonException e)
            {
                throw new InvalidInputException($"{path}, line {line}: not valid JSON ({e.Message})", e);
            }
            using (document) items.Add(parse(line, document.RootElement));
        }
        return items;
    }
}
