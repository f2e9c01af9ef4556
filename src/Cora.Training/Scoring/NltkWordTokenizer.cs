using System.Text;
using System.Text.RegularExpressions;

namespace Cora.Training.Scoring;

/// <summary>
/// NLTK 3.8's <c>word_tokenize(text, preserve_line=True)</c>: the <c>NLTKWordTokenizer</c> (an
/// improved Penn Treebank tokenizer) over the whole text as one sentence, no punkt model. Its
/// ordered regex substitutions are reproduced with Python <c>re</c> semantics where .NET differs:
/// Python's <c>\w</c> is letters, numbers of any kind and <c>_</c> (no combining marks), so
/// <c>\b</c> is spelled out against that class; Python's <c>\s</c> and <c>str.split()</c> also
/// count U+001C..U+001F as whitespace (<see cref="Tokenizer13a.IsPythonSpace"/>). Tokens keep their case (METEOR lowercases them).
/// </summary>
public static class NltkWordTokenizer
{
    private const string Word = @"[\p{L}\p{N}_]";
    private const string Space = @"[\s\x1c-\x1f]";
    private const string Boundary = $"(?:(?<={Word})(?!{Word})|(?<!{Word})(?={Word}))";
    private const RegexOptions Options = RegexOptions.CultureInvariant;

    private static readonly (Regex Pattern, string Replacement)[] StartingQuotes =
    [
        (new Regex("([«“‘„]|[`]+)", Options), " $1 "),
        (new Regex("^\"", Options), "``"),
        (new Regex("(``)", Options), " $1 "),
        (new Regex("([ ([{<])(\"|'{2})", Options), "$1 `` "),
        (new Regex($"(?i)(')(?!re|ve|ll|m|t|s|d|n)({Word}){Boundary}", Options), "$1 $2"),
    ];

    private static readonly (Regex Pattern, string Replacement)[] Punctuation =
    [
        (new Regex($@"([^.])(\.)([\])}}>""'»”’ ]*){Space}*$", Options), "$1 $2 $3 "),
        (new Regex(@"([:,])([^\d])", Options), " $1 $2"),
        (new Regex("([:,])$", Options), " $1 "),
        (new Regex(@"\.{2,}", Options), " $0 "),
        (new Regex("[;@#$%&]", Options), " $0 "),
        // Handles the final period (a second pass, as upstream, without the curly quotes).
        (new Regex($@"([^.])(\.)([\])}}>""']*){Space}*$", Options), "$1 $2$3 "),
        (new Regex("[?!]", Options), " $0 "),
        (new Regex("([^'])' ", Options), "$1 ' "),
        (new Regex("[*]", Options), " $0 "),
    ];

    private static readonly Regex ParensBrackets = new(@"[\][(){}<>]", Options);
    private static readonly Regex DoubleDashes = new("--", Options);

    private static readonly (Regex Pattern, string Replacement)[] EndingQuotes =
    [
        (new Regex("([»”’])", Options), " $1 "),
        (new Regex("''", Options), " '' "),
        (new Regex("\"", Options), " '' "),
        (new Regex("([^' ])('[sS]|'[mM]|'[dD]|') ", Options), "$1 $2 "),
        (new Regex("([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", Options), "$1 $2 "),
    ];

    // MacIntyre's contractions (CONTRACTIONS2 and CONTRACTIONS3; upstream leaves CONTRACTIONS4 out).
    private static readonly Regex[] Contractions =
    [
        new($"(?i){Boundary}(can)(not){Boundary}", Options),
        new($"(?i){Boundary}(d)('ye){Boundary}", Options),
        new($"(?i){Boundary}(gim)(me){Boundary}", Options),
        new($"(?i){Boundary}(gon)(na){Boundary}", Options),
        new($"(?i){Boundary}(got)(ta){Boundary}", Options),
        new($"(?i){Boundary}(lem)(me){Boundary}", Options),
        new($"(?i){Boundary}(more)('n){Boundary}", Options),
        new($"(?i){Boundary}(wan)(na)(?={Space})", Options),
        new($"(?i) ('t)(is){Boundary}", Options),
        new($"(?i) ('t)(was){Boundary}", Options),
    ];

    /// <summary>The tokens of <paramref name="text"/>, in order, case preserved.</summary>
    public static IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var (pattern, replacement) in StartingQuotes) text = pattern.Replace(text, replacement);
        foreach (var (pattern, replacement) in Punctuation) text = pattern.Replace(text, replacement);
        text = ParensBrackets.Replace(text, " $0 ");
        text = DoubleDashes.Replace(text, " -- ");
        text = " " + text + " ";
        foreach (var (pattern, replacement) in EndingQuotes) text = pattern.Replace(text, replacement);
        foreach (var pattern in Contractions) text = pattern.Replace(text, " $1 $2 ");
        return Tokenizer13a.Split(text);
    }

    /// <summary>
    /// Python's <c>str.lower()</c>: the simple lowercase mapping, plus the two context rules of full
    /// lowercasing that change a result: U+0130 becomes "i" + U+0307, and a capital sigma that ends
    /// a word (a cased letter before it, none after it) becomes the final sigma U+03C2.
    /// </summary>
    public static string PythonLower(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\u0130') builder.Append("i\u0307");
            else if (c == '\u03A3') builder.Append(IsFinalSigma(text, i) ? '\u03C2' : '\u03C3');
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(char.ConvertFromUtf32(LowerCodePoint(char.ConvertToUtf32(c, text[i + 1]))));
                i++;
            }
            else builder.Append(char.ToLowerInvariant(c));
        }
        return builder.ToString();
    }

    private static int LowerCodePoint(int codePoint)
    {
        var lowered = char.ConvertFromUtf32(codePoint).ToLowerInvariant();
        return char.ConvertToUtf32(lowered, 0);
    }

    private static bool IsFinalSigma(string text, int index)
    {
        var before = index - 1;
        while (before >= 0 && IsCaseIgnorable(text[before])) before--;
        if (before < 0 || !IsCased(text[before])) return false;
        var after = index + 1;
        while (after < text.Length && IsCaseIgnorable(text[after])) after++;
        return after >= text.Length || !IsCased(text[after]);
    }

    private static bool IsCased(char c) => char.IsUpper(c) || char.IsLower(c)
        || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c) => c is '\'' or '.' or ':' or '^' or '`' or '\u00B7' or '\u2019'
        || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.NonSpacingMark
            or System.Globalization.UnicodeCategory.EnclosingMark
            or System.Globalization.UnicodeCategory.Format
            or System.Globalization.UnicodeCategory.ModifierLetter
            or System.Globalization.UnicodeCategory.ModifierSymbol;
}
