namespace Cora.Training.FineTuning;

/// <summary>Reported after every optimizer step.</summary>
/// <param name="Loss">Mean loss per scored token over this step's (accumulated) batch.</param>
/// <param name="TokensPerSecond">Input tokens (padding excluded) per second, averaged since the start.</param>
public sealed record TrainingProgress(int Step, int TotalSteps, double Epoch, double Loss, double LearningRate,
    double GradNorm, double TokensPerSecond, TimeSpan Elapsed);
