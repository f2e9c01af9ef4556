using System.CommandLine;
using System.Globalization;
using System.Text;
using Cora.Training.Tokenizers;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora tokenize --model DIR (--text T | --file F) [--json]</c>: encodes text with the tokenizer
/// of a model directory (tokenizer.json or tokenizer.model), BOS included as training sees it.
/// Prints one "id&lt;TAB&gt;piece" line per token, or with --json <c>{"ids":[…],"pieces":[…]}</c>.
/// </summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model")
        {
            Description = "Model directory holding tokenizer.json or tokenizer.model.",
            Required = true,
        };
        var text = new Option<string?>("--text") { Description = "The text to encode." };
        var file = new Option<string?>("--file") { Description = "A UTF-8 file whose whole content is encoded." };
        var json = new Option<bool>("--json") { Description = "Print {\"ids\":[…],\"pieces\":[…]} instead of lines." };
        var command = new Command("tokenize", "Encode text with a model's tokenizer and print token ids and pieces.")
        {
            model, text, file, json,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(text) is null) == (result.GetResult(file) is null))
                result.AddError("Give exactly one of --text and --file.");
        });
        command.SetAction(parse =>
        {
            var input = parse.GetValue(text) ?? File.ReadAllText(parse.GetValue(file)!);
            var encoding = TokenizerLoader.Load(parse.GetRequiredValue(model)).Encode(input);
            Write(parse.InvocationConfiguration.Output, encoding, parse.GetValue(json));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void Write(TextWriter output, TokenEncoding encoding, bool json)
    {
        if (json)
        {
            CliJson.Write(output, new TokenizeResult(encoding.Ids, encoding.Pieces));
            return;
        }
        for (var i = 0; i < encoding.Ids.Count; i++)
            output.WriteLine($"{encoding.Ids[i]}\t{Readable(encoding.Pieces[i])}");
    }

    /// <summary>A piece on one line: control characters (newline, tab, …) as C-style escapes.</summary>
    internal static string Readable(string piece)
    {
        var text = new StringBuilder(piece.Length);
        foreach (var c in piece)
        {
            text.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\\' => "\\\\",
                _ when char.IsControl(c) => "\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture),
                _ => c.ToString(),
            });
        }
        return text.ToString();
    }

    private sealed record TokenizeResult(IReadOnlyList<int> Ids, IReadOnlyList<string> Pieces);
}
