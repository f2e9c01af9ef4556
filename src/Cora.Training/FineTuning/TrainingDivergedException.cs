namespace Cora.Training.FineTuning;

/// <summary>
/// The loss or the gradient became NaN or infinite. Training stops before the optimizer applies
/// the step, so the weights are those of the last good step. Deterministic for a given config:
/// retrying the same trial diverges again.
/// </summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
