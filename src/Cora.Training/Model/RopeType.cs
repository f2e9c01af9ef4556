using System.Text.Json.Serialization;

namespace Cora.Training.Model;

/// <summary>
/// The rotary-embedding variants Cora implements, as transformers names them in <c>rope_type</c>
/// (the names also label them in JSON output). Every other variant is refused when a config is read.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<RopeType>))]
public enum RopeType
{
    /// <summary>The original RoPE: frequencies <c>1 / theta^(2i/d)</c>.</summary>
    [JsonStringEnumMemberName("default")] Default,

    /// <summary>Position interpolation: every frequency divided by <c>factor</c>.</summary>
    [JsonStringEnumMemberName("linear")] Linear,

    /// <summary>Llama 3.1's scaling: low frequencies divided by <c>factor</c>, high ones kept, a blend between.</summary>
    [JsonStringEnumMemberName("llama3")] Llama3,
}
