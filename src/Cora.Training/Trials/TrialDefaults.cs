using Cora.Training.Lora;
using Cora.Training.FineTuning;

namespace Cora.Training.Trials;

/// <summary>
/// The one place that holds a trial's defaults: <c>cora train</c>'s options and a grid's omitted
/// keys both come from here (training hyper-parameters from <see cref="TrainingArgs"/>'s own
/// initialisers), so a trial trained by hand and the same trial in a grid are the same trial.
/// </summary>
public static class TrialDefaults
{
    public const int Rank = 8;
    /// <summary>lora_alpha = this × rank: PEFT's common choice of scaling s = 2.</summary>
    public const double AlphaPerRank = 2;
    public const double LoraDropout = 0.05;
    public const int MaxNewTokens = 128;
    public const int GenerationBatchSize = 8;
    public const AInit AInitChoice = AInit.Kaiming;

    /// <summary>The training hyper-parameters a grid's <c>training</c> block and <c>cora train</c> start from.</summary>
    public static TrainingArgs Training { get; } = new();
}
