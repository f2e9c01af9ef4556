using System.CommandLine;
using System.Text.Json;
using Cora.Training.Generation;
using Cora.Training.IO;
using Cora.Training.Metrics;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora eval score --predictions FILE.jsonl [--metrics M,…] [--out FILE.json]</c>: scores
/// <c>{"id","prediction","reference"}</c> lines and prints (or writes) <c>{"corpus": {…}, "pairs": {id: {…}}}</c>
/// with the key names of the reference fixtures.
/// </summary>
public static class EvalScoreCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Create()
    {
        var predictions = new Option<string>("--predictions") { Description = "Predictions JSONL ({\"id\",\"prediction\",\"reference\"} per line)", Required = true };
        var metrics = new Option<string>("--metrics") { Description = $"Comma-separated: {string.Join(", ", Evaluation.Available)}", DefaultValueFactory = _ => string.Join(",", Evaluation.Available) };
        var output = new Option<string?>("--out") { Description = "Write the JSON here instead of printing it" };
        var command = new Command("score", "Score predictions against their references") { predictions, metrics, output };
        metrics.Validators.Add(result =>
        {
            var unknown = Names(result.GetValueOrDefault<string>() ?? "").Where(m => !Evaluation.Available.Contains(m)).ToList();
            if (unknown.Count > 0) result.AddError($"unknown metric(s) {string.Join(", ", unknown)} (available: {string.Join(", ", Evaluation.Available)})");
        });
        command.SetAction(parse =>
        {
            var report = Evaluation.Score(Prediction.Load(parse.GetValue(predictions)!), Names(parse.GetValue(metrics)!));
            var text = JsonSerializer.Serialize(new { corpus = report.Corpus, pairs = report.Pairs }, Json);
            if (parse.GetValue(output) is { } path)
            {
                AtomicFile.WriteAllText(path, text + "\n");
                parse.InvocationConfiguration.Output.WriteLine($"{report.Corpus["n_pairs"]} pairs scored, written to {path}");
            }
            else
            {
                parse.InvocationConfiguration.Output.WriteLine(text);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static List<string> Names(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
}
