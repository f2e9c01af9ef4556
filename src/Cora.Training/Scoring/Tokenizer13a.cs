using Cora.Training.Tokenizers;
using System.Text.RegularExpressions;

namespace Cora.Training.Scoring;

/// <summary>
/// SacreBLEU's default <c>13a</c> tokenizer (mteval-v13a), as sacrebleu 2.6.0 applies it to a
/// segment: <c>rstrip()</c>, then the 13a replacements, then the punctuation regexes, then Python's
/// <c>str.split()</c>. Python's notion of whitespace is used throughout (see <see cref="IsPythonSpace"/>),
/// so tokens match upstream byte for byte.
/// </summary>
public static partial class Tokenizer13a
{
    /// <summary>The 13a tokens of <paramref name="text"/>; none for an empty or all-space text.</summary>
    public static IReadOnlyList<string> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        // sacrebleu strips trailing space before tokenizing; it matters: "a-\n" must stay "a-".
        var line = RightStrip(text)
            .Replace("<skipped>", "", StringComparison.Ordinal)
            .Replace("-\n", "", StringComparison.Ordinal)
            .Replace("\n", " ", StringComparison.Ordinal);
        if (line.Contains('&', StringComparison.Ordinal))
        {
            // Order matters: "&amp;lt;" becomes "&lt;" and then "<".
            line = line
                .Replace("&quot;", "\"", StringComparison.Ordinal)
                .Replace("&amp;", "&", StringComparison.Ordinal)
                .Replace("&lt;", "<", StringComparison.Ordinal)
                .Replace("&gt;", ">", StringComparison.Ordinal);
        }
        line = " " + line + " ";
        line = Punctuation().Replace(line, " $1 ");
        line = PeriodCommaAfterNonDigit().Replace(line, "$1 $2 ");
        line = PeriodCommaBeforeNonDigit().Replace(line, " $1 $2");
        line = DashAfterDigit().Replace(line, "$1 $2 ");
        return Split(line);
    }

    /// <summary>
    /// Python's <c>str.isspace()</c> as <c>str.split()</c> and <c>str.rstrip()</c> use it: .NET's
    /// white space plus the separators U+001C..U+001F, which .NET does not count.
    /// </summary>
    public static bool IsPythonSpace(char c) => PythonText.IsSpace(c);

    private static string RightStrip(string text)
    {
        var end = text.Length;
        while (end > 0 && IsPythonSpace(text[end - 1])) end--;
        return text[..end];
    }

    /// <summary>Python's <c>str.split()</c>: runs of <see cref="IsPythonSpace"/> separate tokens.</summary>
    internal static List<string> Split(string line) => PythonText.Split(line);

    // Python's re on str: [0-9] is ASCII only and [^0-9] matches any other character, newline
    // included, exactly as .NET's classes without RegexOptions.ECMAScript do. A surrogate pair is
    // two chars here and one code point in Python; the replacements only insert spaces beside
    // ASCII punctuation, so the resulting string is the same.

    /// <summary>All ASCII punctuation except <c>' , - .</c> (and the space itself), padded with spaces.</summary>
    [GeneratedRegex(@"([{-~\[-` -&(-+:-@/])", RegexOptions.CultureInvariant)]
    private static partial Regex Punctuation();

    [GeneratedRegex(@"([^0-9])([.,])", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodCommaAfterNonDigit();

    [GeneratedRegex(@"([.,])([^0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex PeriodCommaBeforeNonDigit();

    [GeneratedRegex(@"([0-9])(-)", RegexOptions.CultureInvariant)]
    private static partial Regex DashAfterDigit();
}
