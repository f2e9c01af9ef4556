using System.Text.Json.Serialization;

namespace Cora.Training.Data;

/// <summary>
/// One instruction-following example in the alpaca layout (alpaca-cleaned, Stanford Alpaca).
/// <see cref="Input"/> is "" when the example has no input; that selects the shorter template.
/// </summary>
public sealed record AlpacaExample(
    [property: JsonPropertyName("instruction")] string Instruction,
    [property: JsonPropertyName("input")] string Input,
    [property: JsonPropertyName("output")] string Output)
{
    /// <summary>
    /// Optional identifier, unique within a file. Predictions are matched to references by it
    /// (<c>{"id", "prediction", "reference"}</c>), so generated evaluation splits carry one.
    /// Absent from files that do not have it (alpaca-cleaned has none).
    /// </summary>
    [JsonPropertyName("id")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Id { get; init; }
}
