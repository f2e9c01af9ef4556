using System.CommandLine;
using Cora.Training;
using Cora.Training.Data;
using Cora.Training.Generation;
using Cora.Training.Lora;
using Cora.Training.Tokenizers;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora generate --model DIR [--adapter DIR] --data EVAL.jsonl --out predictions.jsonl [--max-new-tokens N]
/// [--batch-size B] [--limit N]</c>: greedy answers to alpaca examples, written as
/// <c>{"id","prediction","reference"}</c> lines for the evaluator.
/// </summary>
public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint directory (with its tokenizer)", Required = true };
        var adapter = new Option<string?>("--adapter") { Description = "PEFT adapter directory applied to the model" };
        var data = new Option<string>("--data") { Description = "Alpaca JSONL (or JSON array) to answer", Required = true };
        var output = new Option<string>("--out") { Description = "Where to write predictions.jsonl", Required = true };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Longest answer in tokens", DefaultValueFactory = _ => 128 };
        var batchSize = new Option<int>("--batch-size") { Description = "Prompts decoded together", DefaultValueFactory = _ => 8 };
        var limit = new Option<int?>("--limit") { Description = "Answer only the first N examples" };
        var command = new Command("generate", "Greedy answers for a dataset, as predictions.jsonl")
        {
            model, adapter, data, output, maxNew, batchSize, limit,
        };
        foreach (var option in new Option[] { maxNew, batchSize, limit })
            option.Validators.Add(result =>
            {
                if (result.Tokens.Count == 1 && int.TryParse(result.Tokens[0].Value, out var value) && value < 1)
                    result.AddError($"{option.Name} must be at least 1");
            });
        command.SetAction((parse, cancellation) =>
        {
            var examples = AlpacaDataset.Load(parse.GetValue(data)!);
            if (parse.GetValue(limit) is { } n) examples = examples.Take(n).ToList();
            var directory = parse.GetValue(model)!;
            using var llama = PeftAdapter.LoadModel(directory, parse.GetValue(adapter));
            var tokenizer = TokenizerLoader.Load(directory);

            var progress = ConsoleProgress.ForStderr(parse.InvocationConfiguration.Error);
            var done = new SyncProgress<int>(count => progress.Report("generating", $"{count}/{examples.Count}", final: count == examples.Count));
            var predictions = InstructionGenerator.Generate(llama, tokenizer, examples, parse.GetValue(maxNew), parse.GetValue(batchSize),
                done, cancellation);
            progress.Done();
            Prediction.Save(parse.GetValue(output)!, predictions);
            parse.InvocationConfiguration.Output.WriteLine($"{predictions.Count} predictions written to {parse.GetValue(output)}");
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }
}
