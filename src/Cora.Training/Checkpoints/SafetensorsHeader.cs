using System.Text.Json;

namespace Cora.Training.Checkpoints;

/// <summary>
/// The parsed and validated JSON header of a safetensors file.
/// </summary>
/// <remarks>
/// Validation follows the reference implementation (huggingface/safetensors, <c>Metadata::validate</c>
/// and <c>read_metadata</c>): sorted by offsets, every tensor must start where the previous one
/// ended, span exactly shape × element size bytes, and the last one must end where the file ends.
/// So a gap, an overlap or trailing bytes are all errors: the data section is exactly covered.
/// Unknown keys inside a tensor entry are ignored, as the reference does.
/// </remarks>
internal sealed class SafetensorsHeader
{
    /// <summary>The reference implementation refuses headers above 100 MB; so do we.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    public const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<TensorEntry> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The entries in header order.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Parses <paramref name="json"/> and checks it against a data section of <paramref name="dataLength"/> bytes.</summary>
    /// <exception cref="InvalidInputException">Anything wrong, with <paramref name="path"/> and the problem in the message.</exception>
    public static SafetensorsHeader Parse(string path, ReadOnlyMemory<byte> json, long dataLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException(
                    $"{path}: header is a JSON {document.RootElement.ValueKind}, not an object");
            }
            var metadata = new Dictionary<string, string>();
            var tensors = new List<TensorEntry>();
            var seen = new HashSet<string>();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new InvalidInputException($"{path}: header has key '{property.Name}' twice");
                }
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(path, property.Value, metadata);
                }
                else
                {
                    tensors.Add(ReadEntry(path, property.Name, property.Value));
                }
            }
            CheckCoverage(path, tensors, dataLength);
            return new SafetensorsHeader(metadata, tensors);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        // The reference reads it as Option<HashMap<String, String>>: null is "no metadata".
        if (value.ValueKind == JsonValueKind.Null)
        {
            return;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException($"{path}: {MetadataKey} is a JSON {value.ValueKind}, not an object");
        }
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new InvalidInputException(
                    $"{path}: {MetadataKey} value of '{item.Name}' is a JSON {item.Value.ValueKind}, not a string");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new InvalidInputException($"{path}: {MetadataKey} has key '{item.Name}' twice");
            }
        }
    }

    private static TensorEntry ReadEntry(string path, string name, JsonElement value)
    {
        string Where() => $"{path}: tensor '{name}'";
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidInputException($"{Where()}: entry is a JSON {value.ValueKind}, not an object");
        }
        JsonElement Field(string key) => value.TryGetProperty(key, out var field)
            ? field
            : throw new InvalidInputException($"{Where()}: entry has no \"{key}\"");

        var dtypeField = Field("dtype");
        var dtypeName = dtypeField.ValueKind == JsonValueKind.String ? dtypeField.GetString()! : dtypeField.GetRawText();
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype))
        {
            throw new InvalidInputException($"{Where()}: unknown dtype {dtypeName}");
        }

        var shape = ReadIntegers(Field("shape"), $"{Where()}: shape");
        if (shape.Any(dim => dim < 0))
        {
            throw new InvalidInputException($"{Where()}: shape [{string.Join(",", shape)}] has a negative dimension");
        }

        var offsets = ReadIntegers(Field("data_offsets"), $"{Where()}: data_offsets");
        if (offsets.Length != 2)
        {
            throw new InvalidInputException($"{Where()}: data_offsets has {offsets.Length} numbers, not 2");
        }
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin < 0 || end < begin)
        {
            throw new InvalidInputException($"{Where()}: data_offsets [{begin},{end}] are not a range");
        }

        long expectedBytes;
        try
        {
            expectedBytes = checked(shape.Aggregate(1L, (count, dim) => count * dim) * dtype.ElementSize);
        }
        catch (OverflowException e)
        {
            throw new InvalidInputException($"{Where()}: shape [{string.Join(",", shape)}] overflows a byte count", e);
        }
        if (end - begin != expectedBytes)
        {
            throw new InvalidInputException(
                $"{Where()}: byte size {end - begin} (data_offsets [{begin},{end}]) does not match shape " +
                $"[{string.Join(",", shape)}] of {dtype} ({expectedBytes} bytes)");
        }
        return new TensorEntry(name, dtype, shape, begin, end);
    }

    private static long[] ReadIntegers(JsonElement value, string what)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidInputException($"{what} is a JSON {value.ValueKind}, not an array");
        }
        return value.EnumerateArray()
            .Select(item => item.ValueKind == JsonValueKind.Number && item.TryGetInt64(out var number)
                ? number
                : throw new InvalidInputException($"{what} holds {item.GetRawText()}, not an integer"))
            .ToArray();
    }

    /// <summary>The tensors, in offset order, must tile [0, dataLength) exactly.</summary>
    private static void CheckCoverage(string path, List<TensorEntry> tensors, long dataLength)
    {
        var byOffset = tensors.OrderBy(t => t.DataBegin).ThenBy(t => t.DataEnd).ToList();
        TensorEntry? previous = null;
        foreach (var tensor in byOffset)
        {
            var expectedBegin = previous?.DataEnd ?? 0;
            if (tensor.DataEnd > dataLength)
            {
                throw new InvalidInputException(
                    $"{path}: tensor '{tensor.Name}': data_offsets [{tensor.DataBegin},{tensor.DataEnd}] " +
                    $"run past the data section ({dataLength} bytes)");
            }
            if (tensor.DataBegin < expectedBegin)
            {
                throw new InvalidInputException(
                    $"{path}: tensor '{tensor.Name}': data_offsets [{tensor.DataBegin},{tensor.DataEnd}] " +
                    $"overlap tensor '{previous!.Name}' [{previous.DataBegin},{previous.DataEnd}]");
            }
            if (tensor.DataBegin > expectedBegin)
            {
                throw new InvalidInputException(
                    $"{path}: tensor '{tensor.Name}': gap of {tensor.DataBegin - expectedBegin} bytes before " +
                    $"its data (from offset {expectedBegin}); the data section must be fully covered");
            }
            previous = tensor;
        }
        var covered = previous?.DataEnd ?? 0;
        if (covered != dataLength)
        {
            throw new InvalidInputException(
                $"{path}: {dataLength - covered} trailing bytes after the last tensor's data (offset {covered}); " +
                "the data section must be fully covered");
        }
    }
}
