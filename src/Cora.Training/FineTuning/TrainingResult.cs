namespace Cora.Training.FineTuning;

/// <summary>What a finished run did: steps, the per-step loss curve, throughput. A resumed run
/// counts the steps, losses, tokens and time of the attempts before it too.</summary>
public sealed record TrainingResult(int Steps, IReadOnlyList<double> Losses, long Tokens, TimeSpan Elapsed)
{
    public double FinalLoss => Losses.Count > 0 ? Losses[^1] : double.NaN;

    /// <summary>The checkpoint's step this run started from; null: it started at step 0.</summary>
    public int? ResumedFromStep { get; init; }
}
