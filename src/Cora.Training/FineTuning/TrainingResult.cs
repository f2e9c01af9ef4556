namespace Cora.Training.FineTuning;

/// <summary>What a finished run did: steps, the per-step loss curve, throughput.</summary>
public sealed record TrainingResult(int Steps, IReadOnlyList<double> Losses, long Tokens, TimeSpan Elapsed)
{
    public double FinalLoss => Losses.Count > 0 ? Losses[^1] : double.NaN;
}
