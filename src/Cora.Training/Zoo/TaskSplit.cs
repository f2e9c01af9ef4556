using Cora.Training.Data;

namespace Cora.Training.Zoo;

/// <summary>A task's training and evaluation examples; no prompt appears in both.</summary>
public sealed record TaskSplit(IReadOnlyList<AlpacaExample> Train, IReadOnlyList<AlpacaExample> Eval);
