using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Training.Generation;
using Cora.Training.IO;
using Cora.Training.Scoring;
using Cora.Training.Scoring.BertScore;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora eval score --predictions FILE.jsonl [--metrics M,…] [--out FILE.json] [BERTScore options]</c>:
/// scores <c>{"id","prediction","reference"}</c> lines and prints (or writes) <c>{"corpus": {…}, "pairs": {id: {…}}}</c>
/// with the key names of the reference fixtures. BERTScore runs when <c>--bertscore-model</c> is given
/// (then it is in the default metrics) or <c>--metrics</c> names it (then the model is required).
/// </summary>
public static class EvalScoreCommand
{
    // BERTScore can be NaN (idf weights that all are 0, as in bert-score); JSON has no NaN, so it is written "NaN".
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static Command Create()
    {
        var predictions = new Option<string>("--predictions") { Description = "Predictions JSONL ({\"id\",\"prediction\",\"reference\"} per line)", Required = true };
        var metrics = new Option<string>("--metrics")
        {
            Description = $"Comma-separated: {string.Join(", ", Evaluation.Available)} (default: {string.Join(",", Evaluation.TextOnly)}, plus bertscore with --bertscore-model)",
        };
        var output = new Option<string?>("--out") { Description = "Write the JSON here instead of printing it" };
        var model = new Option<string?>("--bertscore-model") { Description = "BERTScore model directory (HF layout); config.json model_type bert or roberta, or llama for base mode (not comparable with published BERTScore)" };
        var layer = new Option<int?>("--bertscore-layer") { Description = "Hidden state to embed with (bert-score's num_layers; 0 = embeddings). Default for bert/roberta: bert-score's tuned layer when config.json _name_or_path or the directory name is a model it knows (e.g. roberta-large: 17), else the last layer; required for llama" };
        var idf = new Option<bool>("--idf") { Description = "BERTScore: weight tokens by idf over the references" };
        var baseline = new Option<string?>("--baseline") { Description = "BERTScore: rescale with this bert-score baseline file (LAYER,P,R,F)" };
        var batchSize = new Option<int>("--batch-size") { Description = "BERTScore: sentences per forward pass", DefaultValueFactory = _ => 64 };
        var device = new Option<string>("--device") { Description = "BERTScore: cpu, cuda or cuda:N (float32)", DefaultValueFactory = _ => "cpu" };
        var command = new Command("score", "Score predictions against their references") { predictions, metrics, output, model, layer, idf, baseline, batchSize, device };
        metrics.Validators.Add(result =>
        {
            var unknown = Names(result.GetValueOrDefault<string>() ?? "").Where(m => !Evaluation.Available.Contains(m)).ToList();
            if (unknown.Count > 0) result.AddError($"unknown metric(s) {string.Join(", ", unknown)} (available: {string.Join(", ", Evaluation.Available)})");
        });
        batchSize.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() <= 0) result.AddError("--batch-size must be positive");
        });
        command.Validators.Add(result =>
        {
            var chosen = Chosen(result.GetValue(metrics), result.GetValue(model));
            if (chosen.Contains(Evaluation.BertScoreName) && result.GetValue(model) is null)
                result.AddError("bertscore needs --bertscore-model DIR (a BERT or RoBERTa checkpoint, or a Llama one for base mode)");
            var stray = new Option[] { model, layer, idf, baseline }.Where(o => result.GetResult(o) is { Implicit: false }).Select(o => o.Name).ToList();
            if (!chosen.Contains(Evaluation.BertScoreName) && stray.Count > 0)
                result.AddError($"{string.Join(", ", stray)} only apply to bertscore, which --metrics leaves out");
        });
        command.SetAction(parse =>
        {
            var path = parse.GetValue(model);
            var options = path is null ? null : new BertScoreOptions(path)
            {
                Layer = parse.GetValue(layer),
                Idf = parse.GetValue(idf),
                Baseline = parse.GetValue(baseline),
                BatchSize = parse.GetValue(batchSize),
                Device = parse.GetValue(device)!,
            };
            var report = Evaluation.Score(Prediction.Load(parse.GetValue(predictions)!), Chosen(parse.GetValue(metrics), path), options);
            var text = JsonSerializer.Serialize(new { corpus = report.Corpus, pairs = report.Pairs }, Json);
            // Which layer BERTScore used, and why, for a person: the JSON has it too, but a default
            // chosen by name is worth seeing. On stdout beside the summary, on stderr beside the JSON.
            var layerLine = report.Corpus.TryGetValue("bertscore_layer", out var used)
                ? $"bertscore layer {used}: {report.Corpus["bertscore_layer_reason"]}"
                : null;
            if (parse.GetValue(output) is { } outPath)
            {
                AtomicFile.WriteAllText(outPath, text + "\n");
                parse.InvocationConfiguration.Output.WriteLine($"{report.Corpus["n_pairs"]} pairs scored, written to {outPath}");
                if (layerLine is not null) parse.InvocationConfiguration.Output.WriteLine(layerLine);
            }
            else
            {
                parse.InvocationConfiguration.Output.WriteLine(text);
                if (layerLine is not null) parse.InvocationConfiguration.Error.WriteLine(layerLine);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>The metrics asked for; without --metrics the text-only ones, and bertscore when a model is given.</summary>
    private static List<string> Chosen(string? metrics, string? bertScoreModel) =>
        metrics is not null ? Names(metrics)
        : bertScoreModel is null ? [.. Evaluation.TextOnly]
        : [.. Evaluation.TextOnly, Evaluation.BertScoreName];

    private static List<string> Names(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct().ToList();
}
