using System.CommandLine;
using Cora.Training;
using Cora.Training.Lora;
using Cora.Training.Tokenizers;
using static TorchSharp.torch;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora model score --model DIR [--adapter DIR] (--text T | --token-ids 1,2,3) [--json]</c>: the log-probability
/// of every token given the ones before it, their sum and the perplexity.
/// JSON: <c>{"tokens":[…],"logprobs":[…],"sum":x,"perplexity":y}</c>; logprobs[t] is for token t
/// given tokens &lt; t, so logprobs[0] is null.
/// </summary>
public static class ModelScoreCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Checkpoint directory", Required = true };
        var text = new Option<string>("--text") { Description = "Text to score (tokenized with the checkpoint's tokenizer, BOS first)" };
        var ids = new Option<string>("--token-ids") { Description = "Comma-separated token ids to score" };
        var adapter = new Option<string?>("--adapter") { Description = "PEFT adapter directory applied to the model" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("score", "Per-token log-probabilities, their sum and the perplexity") { model, adapter, text, ids, json };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(text) is null) == (result.GetValue(ids) is null))
                result.AddError("give exactly one of --text and --token-ids");
        });
        command.SetAction(parse =>
        {
            var directory = parse.GetValue(model)!;
            IReadOnlyList<string>? pieces = null;
            long[] tokens;
            if (parse.GetValue(text) is { } t)
            {
                var encoding = TokenizerLoader.Load(directory).Encode(t, addBos: true);
                tokens = encoding.Ids.Select(i => (long)i).ToArray();
                pieces = encoding.Pieces;
            }
            else
            {
                tokens = ParseIds(parse.GetValue(ids)!);
            }
            var score = Score(directory, parse.GetValue(adapter), tokens);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
                CliJson.Write(output, new { score.Tokens, Pieces = pieces, score.Logprobs, score.Sum, score.Perplexity });
            else
                WriteHuman(output, score, pieces);
            return ExitCodes.Ok;
        });
        return command;
    }

    public sealed record Result(long[] Tokens, double?[] Logprobs, double Sum, double? Perplexity);

    public static Result Score(string directory, string? adapter, long[] tokens)
    {
        if (tokens.Length == 0) throw new InvalidInputException("nothing to score: no tokens");
        using var model = PeftAdapter.LoadModel(directory, adapter);
        var vocab = model.Config.VocabSize;
        var outside = tokens.Where(id => id < 0 || id >= vocab).ToList();
        if (outside.Count > 0)
            throw new InvalidInputException($"token id {outside[0]} is outside the vocabulary of {directory} (0..{vocab - 1})");
        using var logprobs = model.TokenLogProbs(tensor(tokens));
        var values = logprobs.data<float>().Select(v => (double?)v).Prepend(null).ToArray();
        var sum = values.Sum(v => v ?? 0);
        return new Result(tokens, values, sum, tokens.Length > 1 ? Math.Exp(-sum / (tokens.Length - 1)) : null);
    }

    private static long[] ParseIds(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        return parts.Select(p => long.TryParse(p, out var id) ? id
            : throw new InvalidInputException($"--token-ids: \"{p}\" is not an integer token id")).ToArray();
    }

    private static void WriteHuman(TextWriter output, Result r, IReadOnlyList<string>? pieces)
    {
        output.WriteLine($"{"pos",4}  {"id",7}  {"logprob",10}  piece");
        for (var t = 0; t < r.Tokens.Length; t++)
            output.WriteLine($"{t,4}  {r.Tokens[t],7}  {(r.Logprobs[t] is { } lp ? lp.ToString("F4") : "-"),10}  {(pieces is null ? "" : TokenizeCommand.Readable(pieces[t]))}");
        output.WriteLine($"sum {r.Sum:F4}  perplexity {(r.Perplexity is { } p ? p.ToString("F4") : "-")}");
    }
}
