using System.Text.Json.Serialization;

namespace Cora.Actors.Grids;

/// <summary>
/// One basis a sweep needs: a set of source models, extracted once at the largest rank any of its
/// trials uses (every smaller rank is a prefix of the same singular vectors). Its id is the hash
/// of what determines its content, so equal requests share one file in the artifact store.
/// </summary>
public sealed record BasisPlan
{
    [JsonPropertyName("basis_id")] public required string BasisId { get; init; }
    [JsonPropertyName("sources")] public required IReadOnlyList<string> Sources { get; init; }
    [JsonPropertyName("max_rank")] public required int MaxRank { get; init; }
    [JsonPropertyName("mode")] public required string Mode { get; init; }
    [JsonPropertyName("method")] public required string Method { get; init; }

    /// <summary>Where the basis lives in an artifact store.</summary>
    public string PathIn(string artifacts) => Path.Combine(artifacts, "bases", BasisId + ".safetensors");
}
