namespace Cora.Training.FineTuning;

/// <summary>
/// Learning-rate multipliers with transformers' shapes (<c>get_linear_schedule_with_warmup</c>,
/// <c>get_cosine_schedule_with_warmup</c>, …). <c>step</c> counts optimizer steps already taken,
/// so with warm-up the first step uses multiplier 0, exactly as transformers does.
/// </summary>
public static class LrSchedule
{
    public static readonly IReadOnlyList<string> Names = ["linear", "cosine", "constant", "constant_with_warmup"];

    public static double Multiplier(string type, int step, int totalSteps, int warmupSteps)
    {
        if (type != "constant" && step < warmupSteps) return step / (double)Math.Max(1, warmupSteps);
        var progress = (step - warmupSteps) / (double)Math.Max(1, totalSteps - warmupSteps);
        return type switch
        {
            "linear" => Math.Max(0.0, (totalSteps - step) / (double)Math.Max(1, totalSteps - warmupSteps)),
            "cosine" => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * progress))),
            "constant" or "constant_with_warmup" => 1.0,
            _ => throw new ArgumentException($"unknown lr_scheduler_type {type}", nameof(type)),
        };
    }
}
