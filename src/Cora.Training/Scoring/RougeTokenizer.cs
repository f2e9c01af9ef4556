using System.Text;

namespace Cora.Training.Scoring;

/// <summary>
/// The default tokenizer of Google's <c>rouge_score</c> 0.1.2: Python <c>str.lower()</c>, every run
/// of characters outside ASCII <c>[a-z0-9]</c> becomes a separator, and with stemming on, tokens
/// longer than 3 characters are Porter-stemmed (NLTK 3.8, NLTK_EXTENSIONS).
/// </summary>
public static class RougeTokenizer
{
    // Python's full lowercasing maps only three kinds of character onto ASCII [a-z0-9]: 'A'-'Z',
    // the Kelvin sign U+212A ("k") and U+0130 (to "i" + U+0307, whose combining dot is then a
    // separator). Checked over every code point with CPython 3.11's str.lower(); every other
    // character, including any UTF-16 surrogate, ends up outside [a-z0-9] and so separates tokens.
    private const char KelvinSign = '\u212A';
    private const char CapitalIWithDotAbove = '\u0130';

    /// <summary>The tokens of <paramref name="text"/>, in order; <paramref name="stem"/> Porter-stems those longer than 3 characters.</summary>
    public static IReadOnlyList<string> Tokenize(string text, bool stem)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<string>();
        var current = new StringBuilder();
        foreach (var c in text)
        {
            var folded = Fold(c);
            if (folded != '\0') current.Append(folded);
            // U+0130 lowercases to two characters; the second (U+0307) ends the token.
            if (folded == '\0' || c == CapitalIWithDotAbove) Flush(current, tokens, stem);
        }
        Flush(current, tokens, stem);
        return tokens;
    }

    private static void Flush(StringBuilder current, List<string> tokens, bool stem)
    {
        if (current.Length == 0) return;
        var token = current.ToString();
        current.Clear();
        tokens.Add(stem && token.Length > 3 ? PorterStemmer.Stem(token) : token);
    }

    /// <summary>The ASCII letter or digit <paramref name="c"/> lowercases to, or '\0' for a separator.</summary>
    private static char Fold(char c) => c switch
    {
        >= 'a' and <= 'z' or >= '0' and <= '9' => c,
        >= 'A' and <= 'Z' => (char)(c + ('a' - 'A')),
        KelvinSign => 'k',
        CapitalIWithDotAbove => 'i',
        _ => '\0',
    };
}
