using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Training.IO;

namespace Cora.Training.Generation;

/// <summary>One line of <c>predictions.jsonl</c>, the evaluator's input (DESIGN.md §3).</summary>
public sealed record Prediction(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("prediction")] string Text,
    [property: JsonPropertyName("reference")] string Reference)
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes JSONL (UTF-8, one object per line, keys id, prediction, reference), atomically.</summary>
    public static void Save(string path, IEnumerable<Prediction> predictions) =>
        AtomicFile.WriteAllText(path, string.Concat(predictions.Select(p => JsonSerializer.Serialize(p, Json) + "\n")));
}
