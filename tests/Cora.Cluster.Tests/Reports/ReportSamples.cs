using System.Text.Json;
using Cora.Actors.Coordinator;
using Cora.Cluster.Reports;
using Cora.Training.Generation;

namespace Cora.Cluster.Tests.Reports;

/// <summary>Hand-made trials for the report's pure parts: metrics chosen by the test, and
/// predictions that either repeat the reference ("good") or miss it entirely.</summary>
internal static class ReportSamples
{
    public static TrialRow Row(string method, int rank, int sources, int seed, double rougeL, double loss, string status = "succeeded",
        string dataset = "alpaca") =>
        new($"{method}-{rank}-{sources}-{seed}-{dataset}", method, rank, sources, dataset, seed, status, 1,
            status != "succeeded" ? new Dictionary<string, JsonElement>() : new Dictionary<string, JsonElement>
            {
                ["rouge1"] = JsonSerializer.SerializeToElement(rougeL + 0.05),
                ["rouge2"] = JsonSerializer.SerializeToElement(rougeL / 2),
                ["rougeL"] = JsonSerializer.SerializeToElement(rougeL),
                ["meteor"] = JsonSerializer.SerializeToElement(rougeL - 0.05),
                ["bleu"] = JsonSerializer.SerializeToElement(rougeL * 40),
                ["bertscore_f1"] = JsonSerializer.SerializeToElement(0.85),
                ["eval_loss"] = JsonSerializer.SerializeToElement(loss),
            },
            status == "failed" ? "exit code 1" : null);

    public static ReportTrial Trial(string method, int rank, int sources, int seed, double rougeL, double loss, bool good,
        IReadOnlyList<double>? losses = null) =>
        new(Row(method, rank, sources, seed, rougeL, loss), losses, Predictions(good), null);

    public static IReadOnlyList<Prediction> Predictions(bool good) =>
        [.. Enumerable.Range(0, 20).Select(i =>
        {
            var reference = $"the cat number {i} sat on the mat and looked at the door";
            return new Prediction($"e{i}", good ? reference : "dog", reference);
        })];

    /// <summary>LoRA at 8 (2 seeds) and 4, CoRA-FB at 8 from 1 and 3 sources, CoRA-TB at 8 from 3, full-ft, zeros-fb at 8.</summary>
    public static SweepData Grid() => new("sweep-a", "paper", [
        Trial("lora", 8, 0, 0, 0.40, 2.0, good: false, losses: [3.0, 2.5, 2.2]),
        Trial("lora", 8, 0, 1, 0.42, 2.1, good: false),
        Trial("lora", 4, 0, 0, 0.38, 2.2, good: false),
        Trial("cora-fb", 8, 1, 0, 0.41, 1.9, good: true),
        Trial("cora-fb", 8, 3, 0, 0.40, 1.8, good: true, losses: [3.0, 2.4, 2.0]),
        Trial("cora-fb", 8, 3, 1, 0.44, 1.7, good: true),
        Trial("cora-tb", 8, 3, 0, 0.45, 1.6, good: true),
        Trial("full-ft", 0, 0, 0, 0.30, 2.5, good: false),
        Trial("zeros-fb", 8, 0, 0, 0.10, 3.0, good: false),
        new ReportTrial(Row("ones-fb", 8, 0, 0, 0, 0, status: "failed"), null, null, null),
    ], resamples: 200);
}
