using System.CommandLine;
using System.Text;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora console [--contact host:port …] [--certs-dir DIR | --insecure]</c>: an interactive prompt for the same commands
/// (<c>cluster show</c>, <c>sweep status ID</c>, …) without retyping <c>cora</c> and the contact.
/// Tab completes commands and options on a terminal; <c>exit</c> or end of input leaves.
/// </summary>
public static class InteractiveConsoleCommand
{
    private const string Prompt = "cora> ";

    public static Command Create()
    {
        var contact = new Option<string[]>("--contact") { Description = "Cluster node(s) as host:port, used by every command typed", AllowMultipleArgumentsPerToken = true };
        var certsDir = new Option<string?>("--certs-dir") { Description = "The console's certificates from `cora cert` (default: env CORA_CERTS_DIR)" };
        var insecure = new Option<bool>("--insecure") { Description = "Plain TCP instead of mutual TLS; loopback contacts only" };
        var command = new Command("console", "Interactive prompt for the cluster and sweep commands, with tab completion") { contact, certsDir, insecure };
        command.SetAction(parse =>
        {
            if (parse.GetValue(contact) is { Length: > 0 } contacts) Environment.SetEnvironmentVariable("CORA_CONTACT", string.Join(',', contacts));
            if (parse.GetValue(certsDir) is { } certs) Environment.SetEnvironmentVariable("CORA_CERTS_DIR", Path.GetFullPath(certs));
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var interactive = !Console.IsInputRedirected && ReferenceEquals(output, Console.Out);
            output.WriteLine("cora console: type a command (cluster show, sweep list, sweep status ID, schedule list, …), 'help', or 'exit'.");
            while (true)
            {
                output.Write(Prompt);
                var line = interactive ? ReadLineWithCompletion(output) : Console.In.ReadLine();
                if (line is null || line.Trim() is "exit" or "quit") break;
                if (line.Trim().Length == 0) continue;
                var args = Split(line);
                if (args is ["help"]) args = ["--help"];
                // --insecure is a choice made once for the session, passed to every command that connects.
                if (parse.GetValue(insecure) && CoraCli.Build().Parse(args).CommandResult.Command.Options.Any(o => o.Name == "--insecure")) args.Add("--insecure");
                var code = CoraCli.Run([.. args], output, error);
                if (code != ExitCodes.Ok) error.WriteLine($"(exit code {code})");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>What may follow <paramref name="line"/>: the command tree's completions for its last word.</summary>
    public static IReadOnlyList<string> Complete(string line)
    {
        var parse = CoraCli.Build().Parse(line);
        var word = line.EndsWith(' ') ? "" : Split(line).LastOrDefault() ?? "";
        return parse.GetCompletions(line.Length).Select(c => c.Label).Where(l => l.StartsWith(word, StringComparison.Ordinal)).Distinct().ToList();
    }

    /// <summary>Splits a typed line into arguments; double quotes group words.</summary>
    public static List<string> Split(string line)
    {
        var args = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
                any = true;
            }
            else if (char.IsWhiteSpace(c) && !quoted)
            {
                if (any) args.Add(current.ToString());
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(c);
                any = true;
            }
        }
        if (any) args.Add(current.ToString());
        return args;
    }

    private static string? ReadLineWithCompletion(TextWriter output)
    {
        var line = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    output.WriteLine();
                    return line.ToString();
                case ConsoleKey.Backspace when line.Length > 0:
                    line.Length--;
                    output.Write("\b \b");
                    break;
                case ConsoleKey.Tab:
                    var candidates = Complete(line.ToString());
                    var typed = line.ToString().EndsWith(' ') ? "" : Split(line.ToString()).LastOrDefault() ?? "";
                    if (candidates.Count == 1)
                    {
                        var rest = candidates[0][typed.Length..] + " ";
                        line.Append(rest);
                        output.Write(rest);
                    }
                    else if (candidates.Count > 1)
                    {
                        output.WriteLine();
                        output.WriteLine(string.Join("  ", candidates));
                        output.Write(Prompt + line);
                    }
                    break;
                case ConsoleKey.D when key.Modifiers.HasFlag(ConsoleModifiers.Control) && line.Length == 0:
                    output.WriteLine();
                    return null;
                default:
                    if (!char.IsControl(key.KeyChar))
                    {
                        line.Append(key.KeyChar);
                        output.Write(key.KeyChar);
                    }
                    break;
            }
        }
    }
}
