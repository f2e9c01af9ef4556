using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using static TorchSharp.torch;
using Cora.Training.IO;

namespace Cora.Training.Checkpoints;

/// <summary>
/// Writes safetensors files the way the official writer (huggingface/safetensors) lays them out, so
/// that a file it wrote is reproduced byte for byte:
/// <list type="bullet">
/// <item>a compact JSON header, <c>"__metadata__"</c> first when there is metadata;</item>
/// <item>tensors ordered by dtype, widest alignment first (the reference <c>Dtype</c> order, descending),
/// then by name (UTF-8 byte order); header entries and data in that same order, with no gaps;</item>
/// <item>the header padded with spaces to a multiple of 8 bytes, so that data is 8-byte aligned;</item>
/// <item>data in C order, little endian.</item>
/// </list>
/// Metadata keys are written in ordinal order (the reference keeps them in a hash map, so its order
/// is unspecified; with the usual single key, <c>format</c>, there is nothing to order).
/// </summary>
public static class SafetensorsWriter
{
    private static readonly JsonWriterOptions CompactJson = new()
    {
        // Like serde_json: no escaping of non-ASCII or HTML-sensitive characters. (Control
        // characters and characters outside the BMP are escaped differently from serde_json; tensor
        // names do not hold them.)
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> atomically (see
    /// <see cref="AtomicFile"/>): a crash never leaves a partial file under that name. Data is
    /// streamed a tensor at a time; a tensor not on the CPU or not contiguous is copied first.
    /// </summary>
    /// <param name="metadata">The header's <c>__metadata__</c>; null writes none (an empty dictionary writes <c>{}</c>).</param>
    /// <exception cref="ArgumentException">Duplicate or reserved name, or a dtype safetensors cannot hold.</exception>
    public static void Write(
        string path,
        IEnumerable<(string Name, Tensor Tensor)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = Order(tensors);
        var header = Header(ordered, metadata);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var (_, tensor, _) in ordered)
            {
                using var cpu = tensor.cpu();
                using var contiguous = cpu.contiguous();
                TensorBytes.ForEachChunk(contiguous, (chunk, _) => stream.Write(chunk));
            }
        });
    }

    private static List<(string Name, Tensor Tensor, SafetensorsDType DType)> Order(
        IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        var seen = new HashSet<string>();
        var typed = new List<(string Name, Tensor Tensor, SafetensorsDType DType, byte[] Key)>();
        foreach (var (name, tensor) in tensors)
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(tensors));
            if (name == SafetensorsHeader.MetadataKey)
            {
                throw new ArgumentException($"'{name}' is reserved for metadata, not a tensor name", nameof(tensors));
            }
            if (!seen.Add(name))
            {
                throw new ArgumentException($"tensor '{name}' given twice", nameof(tensors));
            }
            typed.Add((name, tensor, SafetensorsDType.FromScalarType(tensor.dtype), Encoding.UTF8.GetBytes(name)));
        }
        var byteOrder = Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b));
        return typed
            .OrderByDescending(t => t.DType.Rank)
            .ThenBy(t => t.Key, byteOrder)
            .Select(t => (t.Name, t.Tensor, t.DType))
            .ToList();
    }

    private static byte[] Header(
        List<(string Name, Tensor Tensor, SafetensorsDType DType)> ordered,
        IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, CompactJson))
        {
            json.WriteStartObject();
            if (metadata is not null)
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var (name, tensor, dtype) in ordered)
            {
                var end = offset + tensor.NumberOfElements * dtype.ElementSize;
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.Name);
                json.WriteStartArray("shape");
                foreach (var dim in tensor.shape)
                {
                    json.WriteNumberValue(dim);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        var padding = (8 - buffer.WrittenCount % 8) % 8;
        buffer.GetSpan(padding)[..padding].Fill((byte)' ');
        buffer.Advance(padding);
        return buffer.WrittenSpan.ToArray();
    }
}
