using System.Text.Json;
using Cora.Actors.Grids;
using Cora.Training.Trials;

namespace Cora.Actors.Tests;

/// <summary>Small hand-made sweep plans for protocol tests (the planner has its own tests).</summary>
public static class Plans
{
    public static TrialPlan Trial(string id, int maxAttempts = 3) => new()
    {
        TrialId = id,
        Method = "lora",
        Rank = 4,
        Sources = 0,
        Dataset = "alpaca",
        Seed = 0,
        Spec = new TrialSpec { BaseModel = "/zoo/base", TrainData = "/zoo/train.jsonl", EvalData = "/zoo/eval.jsonl", Method = "lora", Rank = 4 },
        Metrics = ["rouge"],
        TimeoutSeconds = 60,
        MaxAttempts = maxAttempts,
    };

    public static SweepPlan Sweep(string id, params string[] trialIds) => Sweep(id, trialIds.Select(t => Trial(t)).ToArray());

    public static SweepPlan Sweep(string id, params TrialPlan[] trials) => new()
    {
        SweepId = id,
        Name = "test",
        GridFile = "/grids/test.conf",
        Trials = trials,
    };

    /// <summary>Corpus metrics as the coordinator carries them (JSON values).</summary>
    public static IReadOnlyDictionary<string, JsonElement> Metrics(params (string Key, double Value)[] values) =>
        values.ToDictionary(v => v.Key, v => JsonSerializer.SerializeToElement(v.Value));
}
