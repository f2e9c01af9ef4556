namespace Cora.Training.Basis;

/// <summary>Where an extraction or spectrum analysis is: <paramref name="Done"/> of
/// <paramref name="Total"/> layers in <paramref name="Stage"/>, with a human detail.</summary>
public sealed record BasisProgress(string Stage, int Done, int Total, string? Detail = null);
