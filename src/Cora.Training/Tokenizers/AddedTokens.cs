using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cora.Training.Tokenizers;

/// <summary>
/// The "added_tokens" of a tokenizer.json ("&lt;s&gt;", "&lt;|eot_id|&gt;", …). As in HF, text is
/// first cut at every occurrence of an added token (longest first); those become their ids directly
/// and only the text between them goes through normalizer, pre-tokenizer and model.
/// Honoured flags: lstrip / rstrip (the match swallows whitespace on that side), single_word (the
/// match may not touch word characters). Matching is on the raw text, also for tokens marked
/// "normalized": Llama-family files mark none that way.
/// </summary>
internal sealed class AddedTokens
{
    private readonly Regex? _pattern;
    private readonly string[] _groupNames;
    private readonly int[] _groupIds;

    private AddedTokens(List<(int Id, string Content, bool Special)> tokens, Regex? pattern, string[] groupNames)
    {
        Tokens = tokens;
        _pattern = pattern;
        _groupNames = groupNames;
        _groupIds = tokens.Select(t => t.Id).ToArray();
    }

    public IReadOnlyList<(int Id, string Content, bool Special)> Tokens { get; }

    public static AddedTokens Parse(JsonElement? element, string file)
    {
        var tokens = new List<(int, string, bool)>();
        var alternatives = new List<(string Content, string Pattern)>();
        var names = new List<string>();
        var index = 0;
        foreach (var token in element?.EnumerateArray() ?? Enumerable.Empty<JsonElement>())
        {
            var path = $"added_tokens[{index}]";
            var id = HfJson.Int(token, "id", -1, file, path);
            if (id < 0) throw new InvalidInputException($"{file}: '{path}.id' is missing or negative.");
            var content = HfJson.RequiredString(token, "content", file, path);
            if (content.Length == 0) throw new InvalidInputException($"{file}: '{path}.content' is empty.");
            tokens.Add((id, content, HfJson.Bool(token, "special", false, file, path)));
            var pattern = Regex.Escape(content);
            if (HfJson.Bool(token, "single_word", false, file, path)) pattern = $@"(?<!\w){pattern}(?!\w)";
            if (HfJson.Bool(token, "lstrip", false, file, path)) pattern = @"\s*" + pattern;
            if (HfJson.Bool(token, "rstrip", false, file, path)) pattern += @"\s*";
            names.Add($"t{index}");
            alternatives.Add((content, $"(?<t{index}>{pattern})"));
            index++;
        }
        // .NET takes the first alternative that matches at a position: longest content first.
        var regex = alternatives.Count == 0
            ? null
            : new Regex(string.Join('|', alternatives.OrderByDescending(a => a.Content.Length).Select(a => a.Pattern)),
                RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
        return new AddedTokens(tokens, regex, names.ToArray());
    }

    /// <summary>The text cut into plain pieces (Id null) and added tokens (Id set), in order.</summary>
    public List<(string Text, int? Id)> Split(string text)
    {
        var parts = new List<(string, int?)>();
        if (_pattern is null)
        {
            parts.Add((text, null));
            return parts;
        }
        var last = 0;
        foreach (Match m in _pattern.Matches(text))
        {
            if (m.Length == 0) continue;
            if (m.Index > last) parts.Add((text[last..m.Index], null));
            var k = Array.FindIndex(_groupNames, name => m.Groups[name].Success);
            parts.Add((m.Value, _groupIds[k]));
            last = m.Index + m.Length;
        }
        if (last < text.Length) parts.Add((text[last..], null));
        return parts;
    }
}
