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

    /// <summary>
    /// Reads predictions JSONL. Every line needs string fields <c>id</c>, <c>prediction</c> (may be
    /// empty) and <c>reference</c>; ids are unique. Errors name the file and the line.
    /// </summary>
    public static IReadOnlyList<Prediction> Load(string path)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var predictions = JsonLines.Parse(path, JsonLines.ReadUtf8(path), (line, json) =>
        {
            if (json.ValueKind != JsonValueKind.Object)
                throw new InvalidInputException($"{path}, line {line}: expected a JSON object with id, prediction and reference");
            string Field(string name) =>
                json.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()!
                    : throw new InvalidInputException($"{path}, line {line}: \"{name}\" must be a string");
            var prediction = new Prediction(Field("id"), Field("prediction"), Field("reference"));
            if (!seen.TryAdd(prediction.Id, line))
                throw new InvalidInputException($"{path}, line {line}: id \"{prediction.Id}\" already appears on line {seen[prediction.Id]}");
            return prediction;
        });
        return predictions.Count > 0 ? predictions : throw new InvalidInputException($"{path}: contains no predictions");
    }

    /// <summary>Writes JSONL (UTF-8, one object per line, keys id, prediction, reference), atomically.</summary>
    public static void Save(string path, IEnumerable<Prediction> predictions) =>
        AtomicFile.WriteAllText(path, string.Concat(predictions.Select(p => JsonSerializer.Serialize(p, Json) + "\n")));
}
