using System.Text.Encodings.Web;
using System.Text.Json;

using Cora.Training.IO;

namespace Cora.Training.Data;

/// <summary>
/// Reads and writes alpaca datasets: JSONL (one object per line) or a JSON array of objects,
/// with fields <c>instruction</c>, <c>input</c>, <c>output</c> and an optional <c>id</c>.
/// </summary>
public static class AlpacaDataset
{

    /// <summary>
    /// Loads a dataset. The format is chosen by the first non-whitespace character: '[' means a
    /// JSON array, anything else JSONL (blank lines allowed). A UTF-8 BOM is skipped and CRLF line
    /// ends are accepted. <c>input</c> may be missing or null (read as ""); <c>instruction</c> and
    /// <c>output</c> must be strings; <c>id</c>, when present, a string or null. Other fields are
    /// ignored, so richer files (e.g. with a <c>text</c> field) load too.
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// The file is empty, not UTF-8, not JSON, or an entry is not a valid example; the
    /// message names the file and the 1-based line of the offending entry.
    /// </exception>
    public static IReadOnlyList<AlpacaExample> Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // A missing file is missing input (the CLI's exit 66), not a malformed one.
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: dataset file not found", path);
        var text = JsonLines.ReadUtf8(path);

        var first = text.Span.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0)
            throw new InvalidInputException($"{path}: contains no examples");
        var examples = text.Span[first] == (byte)'[' ? LoadArray(path, text) : JsonLines.Parse(path, text, (line, e) => ToExample(path, line, e));
        if (examples.Count == 0)
            throw new InvalidInputException($"{path}: contains no examples");
        return examples;
    }

    /// <summary>
    /// Writes <paramref name="examples"/> as JSONL: UTF-8 without BOM, '\n' after every line,
    /// keys in the order id (when not null), instruction, input, output. Atomic: the data goes to
    /// a temporary file in the same directory, which is renamed over <paramref name="path"/> only
    /// when complete and flushed, so readers see the old file or the new one, never a part.
    /// </summary>
    /// <exception cref="ArgumentException">No examples, or a null example.</exception>
    public static void Save(string path, IEnumerable<AlpacaExample> examples)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(examples);
        AtomicFile.Write(path, stream =>
        {
            // Relaxed escaping keeps non-ASCII text readable; the files are never embedded in HTML.
            using var writer = new Utf8JsonWriter(
                stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            var count = 0;
            foreach (var example in examples)
            {
                if (example is null)
                    throw new ArgumentException($"example {count} is null", nameof(examples));
                WriteExample(writer, example);
                writer.Flush();
                stream.WriteByte((byte)'\n');
                // Each line is its own JSON document.
                writer.Reset();
                count++;
            }

            if (count == 0)
                throw new ArgumentException("a dataset needs at least one example", nameof(examples));
        });
    }

    private static void WriteExample(Utf8JsonWriter writer, AlpacaExample example)
    {
        writer.WriteStartObject();
        if (example.Id is not null)
            writer.WriteString("id", example.Id);
        writer.WriteString("instruction", example.Instruction);
        writer.WriteString("input", example.Input);
        writer.WriteString("output", example.Output);
        writer.WriteEndObject();
    }

    /// <summary>Rejects invalid UTF-8 up front, so the error can name the line it is on.</summary>
    private static List<AlpacaExample> LoadArray(string path, ReadOnlyMemory<byte> text)
    {
        var examples = new List<AlpacaExample>();
        var reader = new Utf8JsonReader(text.Span);
        try
        {
            reader.Read(); // The '[' that selected this format.
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                var line = LineAt(text.Span, reader.TokenStartIndex);
                using var document = JsonDocument.ParseValue(ref reader);
                examples.Add(ToExample(path, line, document.RootElement));
            }

            if (reader.TokenType != JsonTokenType.EndArray)
                throw new InvalidInputException($"{path}: the JSON array is not closed");
            // Whitespace may follow ']'; anything else makes the reader throw.
            reader.Read();
        }
        catch (JsonException e)
        {
            // JsonException counts lines from 0.
            throw new InvalidInputException(
                $"{path}, line {(e.LineNumber ?? 0) + 1}: not valid JSON ({e.Message})", e);
        }

        return examples;
    }

    private static int LineAt(ReadOnlySpan<byte> text, long offset) => text[..(int)offset].Count((byte)'\n') + 1;

    private static AlpacaExample ToExample(string path, int line, JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw new InvalidInputException(
                $"{path}, line {line}: expected a JSON object, found {Describe(element.ValueKind)}");

        string? instruction = null, input = null, output = null, id = null;
        bool seenInstruction = false, seenInput = false, seenOutput = false, seenId = false;
        foreach (var property in element.EnumerateObject())
        {
            switch (property.Name)
            {
                case "instruction":
                    instruction = RequiredString(path, line, property, ref seenInstruction);
                    break;
                case "output":
                    output = RequiredString(path, line, property, ref seenOutput);
                    break;
                case "input":
                    input = OptionalString(path, line, property, ref seenInput);
                    break;
                case "id":
                    id = OptionalString(path, line, property, ref seenId);
                    break;
                default:
                    break;
            }
        }

        if (instruction is null)
            throw new InvalidInputException($"{path}, line {line}: missing field \"instruction\"");
        if (output is null)
            throw new InvalidInputException($"{path}, line {line}: missing field \"output\"");
        return new AlpacaExample(instruction, input ?? "", output) { Id = id };
    }

    private static string RequiredString(string path, int line, JsonProperty property, ref bool seen)
    {
        CheckOnce(path, line, property, ref seen);
        if (property.Value.ValueKind != JsonValueKind.String)
            throw new InvalidInputException(
                $"{path}, line {line}: field \"{property.Name}\" must be a string, found {Describe(property.Value.ValueKind)}");
        return property.Value.GetString()!;
    }

    private static string? OptionalString(string path, int line, JsonProperty property, ref bool seen)
    {
        CheckOnce(path, line, property, ref seen);
        return property.Value.ValueKind switch
        {
            JsonValueKind.String => property.Value.GetString(),
            JsonValueKind.Null => null,
            _ => throw new InvalidInputException(
                $"{path}, line {line}: field \"{property.Name}\" must be a string or null, found {Describe(property.Value.ValueKind)}"),
        };
    }

    /// <summary>A repeated key would make the example depend on which copy a reader keeps.</summary>
    private static void CheckOnce(string path, int line, JsonProperty property, ref bool seen)
    {
        if (seen)
            throw new InvalidInputException($"{path}, line {line}: field \"{property.Name}\" appears twice");
        seen = true;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };
}
