using System.Text.Json;
using Cora.Training.IO;

namespace Cora.Training.Checkpoints;

/// <summary>
/// <c>model.safetensors.index.json</c> of a sharded Hugging Face checkpoint:
/// <c>{"metadata": {"total_size": bytes}, "weight_map": {tensor name: shard file name}}</c>.
/// </summary>
internal static class ShardIndex
{
    /// <summary>The weight map, in file order.</summary>
    /// <exception cref="InvalidInputException">Unreadable index, or a shard name that is not a plain file name.</exception>
    /// <remarks>
    /// <c>metadata.total_size</c> is not checked: transformers does not read it either, and tools
    /// disagree on what it counts (tied or shared weights once or twice), so a checkpoint whose
    /// shards are all valid should not be refused over it.
    /// </remarks>
    public static IReadOnlyList<(string Tensor, string Shard)> Read(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out var weightMap)
                || weightMap.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidInputException($"{path}: no \"weight_map\" object");
            }
            var entries = new List<(string, string)>();
            var seen = new HashSet<string>();
            foreach (var entry in weightMap.EnumerateObject())
            {
                if (!seen.Add(entry.Name))
                {
                    throw new InvalidInputException($"{path}: weight_map lists tensor '{entry.Name}' twice");
                }
                var shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : "";
                // A shard is a file beside the index; anything else (a path, "..") could reach
                // files outside the checkpoint.
                if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new InvalidInputException(
                        $"{path}: weight_map maps tensor '{entry.Name}' to {entry.Value.GetRawText()}, " +
                        "not a file name in the checkpoint directory");
                }
                entries.Add((entry.Name, shard));
            }
            return entries;
        }
    }

    /// <summary>
    /// Writes the index as transformers' <c>save_pretrained</c> does (indent 2, keys sorted,
    /// trailing newline), atomically.
    /// </summary>
    public static void Write(string path, long totalSize, IEnumerable<(string Tensor, string Shard)> weightMap)
    {
        AtomicFile.Write(path, stream =>
        {
            using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
            {
                json.WriteStartObject();
                json.WriteStartObject("metadata");
                json.WriteNumber("total_size", totalSize);
                json.WriteEndObject();
                json.WriteStartObject("weight_map");
                foreach (var (tensor, shard) in weightMap.OrderBy(w => w.Tensor, StringComparer.Ordinal))
                {
                    json.WriteString(tensor, shard);
                }
                json.WriteEndObject();
                json.WriteEndObject();
            }
            stream.WriteByte((byte)'\n');
        });
    }
}
