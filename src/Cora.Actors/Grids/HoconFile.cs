using System.Text.Json;
using System.Text.RegularExpressions;
using Akka.Configuration;
using Cora.Training;

namespace Cora.Actors.Grids;

/// <summary>
/// Reads HOCON files, with the environment substitutions Akka's parser lacks.
/// </summary>
/// <remarks>
/// Akka.NET's built-in HOCON parser resolves <c>${path}</c> only against the document and turns an
/// unresolved <c>${?NAME}</c> into an empty string (it overwrites the earlier value), which breaks
/// the usual <c>key = default</c> / <c>key = ${?ENV}</c> override. So environment references are
/// resolved before Akka parses the text. Rule: a substitution whose name is UPPER_SNAKE_CASE
/// (<c>${CORA_ZOO}</c>, <c>${?CORA_DB}</c>) names an environment variable; lower-case names are
/// document paths, as Cora's configs spell keys in kebab-case. Semantics as in the HOCON spec:
/// <c>${?NAME}</c> unset as a field's whole value leaves the field as it was (the line is
/// dropped); unset inside a concatenation it is empty; <c>${NAME}</c> unset is an error.
/// </remarks>
public static partial class HoconFile
{
    public static Config Load(string path, Func<string, string?>? environment = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: no such file");
        return Parse(File.ReadAllText(path), path, environment);
    }

    public static Config Parse(string text, string source, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var resolved = WholeValue().Replace(text, m =>
            environment(m.Groups["name"].Value) is { } value ? m.Groups["lead"].Value + Quote(value) : "");
        resolved = Reference().Replace(resolved, m =>
        {
            var name = m.Groups["name"].Value;
            if (environment(name) is { } value) return Quote(value);
            if (m.Groups["optional"].Success) return "\"\"";
            throw new InvalidInputException($"{source}: environment variable {name} is not set (referenced as ${{{name}}})");
        });
        try
        {
            return ConfigurationFactory.ParseString(resolved);
        }
        catch (Exception e) when (e is FormatException or ConfigurationException)
        {
            throw new InvalidInputException($"{source}: {e.Message}", e);
        }
    }

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    /// <summary><c>key = ${?NAME}</c> (or <c>:</c>) alone on its line.</summary>
    [GeneratedRegex(@"^(?<lead>[ \t]*[A-Za-z0-9_.""-]+[ \t]*[=:][ \t]*)\$\{\?(?<name>[A-Z_][A-Z0-9_]*)\}[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex WholeValue();

    [GeneratedRegex(@"\$\{(?<optional>\?)?(?<name>[A-Z_][A-Z0-9_]*)\}")]
    private static partial Regex Reference();
}
