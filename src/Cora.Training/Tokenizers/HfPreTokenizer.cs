using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cora.Training.Tokenizers;

/// <summary>
/// The "pre_tokenizer" of a tokenizer.json: splits normalized text into words that BPE encodes one
/// by one. Supported: Sequence, Split (Llama-3's regex), ByteLevel, Metaspace.
/// </summary>
/// <remarks>
/// Regexes run on .NET's UTF-16 engine where HF runs Oniguruma on code points: the one difference
/// that matters is that a letter or digit outside the BMP (e.g. CJK Extension B) counts as
/// "not a letter" here, which can split a word differently. BMP text, emoji included, splits alike.
/// </remarks>
internal abstract class HfPreTokenizer
{
    // GPT-2's pattern, used by ByteLevel when "use_regex" is true.
    private static readonly Regex Gpt2Pattern = new(
        @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+",
        RegexOptions.CultureInvariant | RegexOptions.Compiled);

    /// <summary>
    /// Splits each of <paramref name="words"/> further. <paramref name="atStart"/>: the text is the
    /// start of the input (not preceded by an added token), which Metaspace "first" depends on.
    /// </summary>
    public abstract List<string> Split(List<string> words, bool atStart);

    public static HfPreTokenizer? Parse(JsonElement? element, string file, string path = "pre_tokenizer")
    {
        if (element is not { } json) return null;
        var type = HfJson.Type(json, file, path);
        return type switch
        {
            "Sequence" => new SequencePreTokenizer(
                HfJson.Required(json, "pretokenizers", file, path).EnumerateArray()
                    .Select((p, i) => Parse(p, file, $"{path}.pretokenizers[{i}]")!).ToArray()),
            "Split" => new RegexSplit(
                HfJson.Pattern(json, file, path),
                ParseBehavior(HfJson.RequiredString(json, "behavior", file, path), file, path),
                HfJson.Bool(json, "invert", false, file, path)),
            "ByteLevel" => new ByteLevel(
                HfJson.Bool(json, "add_prefix_space", true, file, path),
                HfJson.Bool(json, "use_regex", true, file, path)),
            "Metaspace" => MetaspaceOf(json, file, path),
            _ => throw HfJson.Unsupported(file, path, type),
        };
    }

    private static SplitBehavior ParseBehavior(string value, string file, string path) => value switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        _ => throw new InvalidInputException($"{file}: unsupported {path}.behavior '{value}'."),
    };

    private static Metaspace MetaspaceOf(JsonElement json, string file, string path)
    {
        var replacement = HfJson.RequiredString(json, "replacement", file, path);
        // Older files say "add_prefix_space": true/false; newer ones "prepend_scheme".
        var scheme = HfJson.OptionalString(json, "prepend_scheme", file, path)
            ?? (HfJson.Bool(json, "add_prefix_space", true, file, path) ? "always" : "never");
        if (scheme is not ("always" or "first" or "never"))
            throw new InvalidInputException($"{file}: unsupported {path}.prepend_scheme '{scheme}'.");
        return new Metaspace(replacement, scheme, HfJson.Bool(json, "split", true, file, path));
    }

    /// <summary>Splits <paramref name="text"/> at the matches of <paramref name="pattern"/>, HF's way.</summary>
    private static void SplitAt(string text, Regex pattern, SplitBehavior behavior, bool invert, List<string> output)
    {
        var spans = new List<(int Start, int End, bool Match)>();
        var last = 0;
        foreach (Match m in pattern.Matches(text))
        {
            if (m.Length == 0) continue;
            if (m.Index > last) spans.Add((last, m.Index, invert));
            spans.Add((m.Index, m.Index + m.Length, !invert));
            last = m.Index + m.Length;
        }
        if (last < text.Length) spans.Add((last, text.Length, invert));

        var pending = "";
        for (var i = 0; i < spans.Count; i++)
        {
            var (start, end, match) = spans[i];
            var piece = text[start..end];
            switch (behavior)
            {
                case SplitBehavior.Removed:
                    if (!match) output.Add(piece);
                    break;
                case SplitBehavior.Isolated:
                    output.Add(piece);
                    break;
                case SplitBehavior.MergedWithPrevious:
                    if (match && i > 0) output[^1] += piece;
                    else output.Add(piece);
                    break;
                case SplitBehavior.MergedWithNext:
                    if (match) pending += piece;
                    else
                    {
                        output.Add(pending + piece);
                        pending = "";
                    }
                    break;
                case SplitBehavior.Contiguous:
                    if (match && i > 0 && spans[i - 1].Match) output[^1] += piece;
                    else output.Add(piece);
                    break;
            }
        }
        if (pending.Length > 0) output.Add(pending);
    }

    private enum SplitBehavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous }

    private sealed class SequencePreTokenizer(HfPreTokenizer[] steps) : HfPreTokenizer
    {
        public override List<string> Split(List<string> words, bool atStart) =>
            steps.Aggregate(words, (w, step) => step.Split(w, atStart));
    }

    private sealed class RegexSplit(Regex pattern, SplitBehavior behavior, bool invert) : HfPreTokenizer
    {
        public override List<string> Split(List<string> words, bool atStart)
        {
            var output = new List<string>();
            foreach (var word in words) SplitAt(word, pattern, behavior, invert, output);
            return output;
        }
    }

    private sealed class ByteLevel(bool addPrefixSpace, bool useRegex) : HfPreTokenizer
    {
        public override List<string> Split(List<string> words, bool atStart)
        {
            var output = new List<string>();
            foreach (var word in words)
            {
                var text = addPrefixSpace && !word.StartsWith(' ') ? " " + word : word;
                if (useRegex)
                {
                    var parts = new List<string>();
                    SplitAt(text, Gpt2Pattern, SplitBehavior.Isolated, false, parts);
                    output.AddRange(parts.Select(ByteLevelAlphabet.Encode));
                }
                else output.Add(ByteLevelAlphabet.Encode(text));
            }
            return output;
        }
    }

    private sealed class Metaspace(string replacement, string scheme, bool split) : HfPreTokenizer
    {
        private readonly Regex _replacement = new(Regex.Escape(replacement), RegexOptions.CultureInvariant);

        public override List<string> Split(List<string> words, bool atStart)
        {
            var output = new List<string>();
            for (var i = 0; i < words.Count; i++)
            {
                var text = words[i].Replace(" ", replacement, StringComparison.Ordinal);
                var prepend = scheme == "always" || (scheme == "first" && atStart && i == 0);
                if (prepend && !text.StartsWith(replacement, StringComparison.Ordinal)) text = replacement + text;
                if (split) SplitAt(text, _replacement, SplitBehavior.MergedWithNext, false, output);
                else output.Add(text);
            }
            return output;
        }
    }
}
