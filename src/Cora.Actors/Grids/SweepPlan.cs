using System.Text.Json.Serialization;

namespace Cora.Actors.Grids;

/// <summary>A grid expanded into trials. Its id is the hash of its trial ids, so submitting the
/// same grid again names the same sweep.</summary>
public sealed record SweepPlan
{
    [JsonPropertyName("sweep_id")] public required string SweepId { get; init; }
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("grid_file")] public required string GridFile { get; init; }
    [JsonPropertyName("trials")] public required IReadOnlyList<TrialPlan> Trials { get; init; }
}
