using Cora.Training.FineTuning;

namespace Cora.Training.Trials;

/// <summary>Where a running trial is: its stage, and within training or generation, how far.</summary>
public sealed record TrialProgress(string Stage, TrainingProgress? Training = null, int? Generated = null, int? ToGenerate = null);
