using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cora.Cluster.Commands;

/// <summary>How commands write `--json` output: one compact UTF-8 JSON document on stdout.</summary>
public static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // Token pieces are arbitrary text: keep them readable, escaping only what JSON requires.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static void Write<T>(TextWriter output, T value) =>
        output.WriteLine(JsonSerializer.Serialize(value, Options));
}
