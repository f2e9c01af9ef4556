using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cora.Actors.Trainer;

/// <summary>
/// The one-line JSON progress records a trial process (<c>cora trial exec</c>) prints on stdout,
/// which its <see cref="GpuTrainer"/> reads and forwards. Anything else on stdout is just logged.
/// </summary>
public sealed record TrialProgressLine(
    [property: JsonPropertyName("stage")] string Stage,
    [property: JsonPropertyName("step")] int? Step = null,
    [property: JsonPropertyName("total_steps")] int? TotalSteps = null,
    [property: JsonPropertyName("loss")] double? Loss = null,
    [property: JsonPropertyName("tokens_per_second")] double? TokensPerSecond = null)
{
    /// <summary>Marks progress lines so they cannot be confused with other output.</summary>
    public const string Prefix = "@cora-progress ";

    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public string Format() => Prefix + JsonSerializer.Serialize(this, Json);

    /// <summary>The progress record on <paramref name="line"/>, or null for any other line.</summary>
    public static TrialProgressLine? TryParse(string line)
    {
        if (!line.StartsWith(Prefix, StringComparison.Ordinal)) return null;
        try
        {
            return JsonSerializer.Deserialize<TrialProgressLine>(line.AsSpan(Prefix.Length), Json);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
