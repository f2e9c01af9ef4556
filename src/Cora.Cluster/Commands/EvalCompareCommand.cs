using System.CommandLine;
using Cora.Training.Generation;
using Cora.Training.Scoring;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora eval compare A.jsonl B.jsonl [--metric rougeL] [--resamples 1000] [--seed 0] [--json]</c>:
/// paired bootstrap over the ids both files answer — is A really better than B, or did the
/// examples happen to favour it? (The paper reports single runs; we do not.)
/// </summary>
public static class EvalCompareCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("A") { Description = "Predictions of system A (JSONL)" };
        var b = new Argument<string>("B") { Description = "Predictions of system B (JSONL)" };
        var metric = new Option<string>("--metric") { Description = "Metric to compare", DefaultValueFactory = _ => "rougeL" };
        metric.AcceptOnlyFromAmong([.. PairedBootstrap.Metrics]);
        var resamples = new Option<int>("--resamples") { Description = "Bootstrap resamples", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the resampling", DefaultValueFactory = _ => 0 };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("compare", "Paired bootstrap: difference A − B, its 95% interval and p-value") { a, b, metric, resamples, seed, json };
        command.SetAction(parse =>
        {
            var result = PairedBootstrap.Compare(Prediction.Load(parse.GetValue(a)!), Prediction.Load(parse.GetValue(b)!),
                parse.GetValue(metric)!, parse.GetValue(resamples), parse.GetValue(seed));
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                CliJson.Write(output, result);
            }
            else
            {
                output.WriteLine($"{result.Metric} on {result.Pairs} shared examples: A {result.A:F4}, B {result.B:F4}, A − B {result.Difference:+0.0000;-0.0000;0}");
                output.WriteLine($"  95% interval [{result.CiLow:F4}, {result.CiHigh:F4}], p = {result.PValue:F4} ({result.Resamples} paired resamples, seed {result.Seed})");
                if (result.OnlyInA + result.OnlyInB > 0)
                    output.WriteLine($"  ignored: {result.OnlyInA} ids only in A, {result.OnlyInB} only in B");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
