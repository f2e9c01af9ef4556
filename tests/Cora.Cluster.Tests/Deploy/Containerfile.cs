using System.Text.Json;

namespace Cora.Cluster.Tests.Deploy;

/// <summary>
/// deploy/container/Containerfile as a list of instructions (continuation lines joined, comments
/// dropped), with <c>${ARG}</c> references replaced by the ARG's default.
/// </summary>
public sealed class Containerfile
{
    public sealed record Instruction(string Keyword, string Arguments, int Stage);

    private Containerfile(IReadOnlyList<Instruction> instructions) => Instructions = instructions;

    public static string PathInRepository => DeployFiles.Deploy("container", "Containerfile");

    public IReadOnlyList<Instruction> Instructions { get; }

    public static Containerfile Load()
    {
        var instructions = new List<Instruction>();
        var args = new Dictionary<string, string>();
        var stage = -1;
        var logical = "";
        foreach (var raw in File.ReadAllLines(PathInRepository))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && logical.Length == 0)) continue;
            if (line.EndsWith('\\'))
            {
                logical += line[..^1] + " ";
                continue;
            }
            logical += line;
            var space = logical.IndexOf(' ', StringComparison.Ordinal);
            var keyword = logical[..space].ToUpperInvariant();
            var rest = logical[(space + 1)..].Trim();
            logical = "";
            if (keyword == "ARG" && rest.Split('=', 2) is [var name, var value]) args[name] = value;
            foreach (var (arg, defaultValue) in args) rest = rest.Replace("${" + arg + "}", defaultValue, StringComparison.Ordinal);
            if (keyword == "FROM") stage++;
            instructions.Add(new Instruction(keyword, rest, stage));
        }
        return new Containerfile(instructions);
    }

    public IEnumerable<Instruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>The instructions of the last stage: the image that runs.</summary>
    public IEnumerable<Instruction> Final(string keyword) => All(keyword).Where(i => i.Stage == Instructions[^1].Stage);

    /// <summary>Exec-form (JSON array) arguments of the final stage's ENTRYPOINT / CMD / VOLUME.</summary>
    public IReadOnlyList<string> JsonArray(string keyword) =>
        JsonSerializer.Deserialize<string[]>(Final(keyword).Single().Arguments)
        ?? throw new FormatException($"{keyword} is not a JSON array");

    public IReadOnlyList<int> Exposed => [.. Final("EXPOSE").SelectMany(e => e.Arguments.Split(' ')).Select(p => int.Parse(p.Split('/')[0]))];

    /// <summary>Every COPY of the build context (not <c>--from</c> another stage): its sources and destination.</summary>
    public IEnumerable<(IReadOnlyList<string> Sources, string Destination, int Stage)> ContextCopies() =>
        All("COPY").Where(c => !c.Arguments.StartsWith("--from", StringComparison.Ordinal)).Select(c =>
        {
            var words = c.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return ((IReadOnlyList<string>)words[..^1], words[^1], c.Stage);
        });
}
