using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Cora.Training.Tests.Checkpoints;

/// <summary>
/// Builds and reads safetensors bytes by hand, independently of the code under test: crafted
/// (possibly broken) files for error tests, and raw tensor bytes to check loaded values against.
/// </summary>
internal static class RawSafetensors
{
    /// <summary>Writes 8-byte length + <paramref name="header"/> + <paramref name="data"/> to <paramref name="path"/>.</summary>
    public static string Write(string path, string header, byte[] data, ulong? headerLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>The raw data bytes of tensor <paramref name="name"/>, located by parsing the header here.</summary>
    public static byte[] TensorBytes(string path, string name)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        var offsets = header.RootElement.GetProperty(name).GetProperty("data_offsets");
        var begin = 8 + headerLength + offsets[0].GetInt32();
        var end = 8 + headerLength + offsets[1].GetInt32();
        return bytes[begin..end];
    }

    /// <summary>The header JSON text, padding included.</summary>
    public static string HeaderText(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return Encoding.UTF8.GetString(bytes, 8, headerLength);
    }
}
