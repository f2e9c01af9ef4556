using System.Globalization;
using System.Text;

namespace Cora.Training.Tokenizers;

/// <summary>
/// The Python string operations that reference tokenizers and metrics are written with, where
/// .NET's differ: <c>str.isspace()</c> / <c>strip()</c>, <c>str.lower()</c>, and BERT's
/// accent stripping (<c>unicodedata.normalize("NFD", …)</c> minus category Mn).
/// </summary>
/// <remarks>
/// Cora builds with InvariantGlobalization: <c>string.Normalize</c> then decomposes nothing and
/// <c>ToLowerInvariant</c> leaves U+0130 alone, so decompositions come from a table generated
/// with Python's unicodedata (<c>tools/unicode/make_strip_accents.py</c>, Unicode 14) and
/// <see cref="Lower"/> applies Python's two special lowercase rules itself.
/// </remarks>
public static class PythonText
{
    private static readonly Lazy<Dictionary<int, string>> StripTable = new(LoadStripTable);

    /// <summary>
    /// Python's <c>str.isspace()</c> as <c>str.split()</c> and <c>str.strip()</c> use it: .NET's
    /// white space plus the separators U+001C..U+001F, which .NET does not count.
    /// </summary>
    public static bool IsSpace(char c) => char.IsWhiteSpace(c) || c is >= '\u001C' and <= '\u001F';

    /// <summary>Python's <c>str.split()</c>: runs of <see cref="IsSpace"/> separate tokens.</summary>
    public static List<string> Split(string text)
    {
        var tokens = new List<string>();
        var start = -1;
        for (var i = 0; i <= text.Length; i++)
        {
            var space = i == text.Length || IsSpace(text[i]);
            if (space && start >= 0)
            {
                tokens.Add(text[start..i]);
                start = -1;
            }
            else if (!space && start < 0)
            {
                start = i;
            }
        }
        return tokens;
    }

    /// <summary>Python's <c>str.strip()</c>.</summary>
    public static string Strip(string text)
    {
        int start = 0, end = text.Length;
        while (start < end && IsSpace(text[start])) start++;
        while (end > start && IsSpace(text[end - 1])) end--;
        return text[start..end];
    }

    /// <summary>
    /// Python's <c>str.lower()</c>: simple lowercase mappings, plus U+0130 → "i̇" (two characters)
    /// and a capital sigma that ends a word → 'ς' (Unicode's Final_Sigma, with "cased" taken as
    /// an upper-, lower- or titlecase letter and "case-ignorable" as Mn/Me/Cf/Lm/Sk or ' . : ·).
    /// </summary>
    public static string Lower(string text)
    {
        var lowered = text.ToLowerInvariant().ToCharArray();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\u03A3' && IsFinalSigma(text, i)) lowered[i] = '\u03C2';
        }
        var result = new string(lowered);
        return result.Contains('\u0130', StringComparison.Ordinal) ? result.Replace("\u0130", "i\u0307", StringComparison.Ordinal) : result;
    }

    /// <summary>BERT's <c>_run_strip_accents</c>: NFD, then every nonspacing mark (Mn) removed.</summary>
    public static string StripAccents(string text)
    {
        var table = StripTable.Value;
        var output = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var cp = rune.Value;
            if (cp is >= 0xAC00 and <= 0xD7A3) AppendHangulJamo(cp, output);
            else if (table.TryGetValue(cp, out var kept)) output.Append(kept);
            else if (Rune.GetUnicodeCategory(rune) != UnicodeCategory.NonSpacingMark) output.Append(rune.ToString());
        }
        return output.ToString();
    }

    // Hangul syllables decompose algorithmically (Unicode 3.12) into jamo, none of them Mn.
    private static void AppendHangulJamo(int syllable, StringBuilder output)
    {
        var index = syllable - 0xAC00;
        output.Append((char)(0x1100 + index / (21 * 28)));
        output.Append((char)(0x1161 + index % (21 * 28) / 28));
        if (index % 28 != 0) output.Append((char)(0x11A7 + index % 28));
    }

    private static bool IsFinalSigma(string text, int at)
    {
        var before = at - 1;
        while (before >= 0 && IsCaseIgnorable(text[before])) before--;
        if (before < 0 || !IsCased(text[before])) return false;
        var after = at + 1;
        while (after < text.Length && IsCaseIgnorable(text[after])) after++;
        return after == text.Length || !IsCased(text[after]);
    }

    private static bool IsCased(char c) => char.GetUnicodeCategory(c) is UnicodeCategory.UppercaseLetter
        or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter;

    private static bool IsCaseIgnorable(char c) => c is '\'' or '.' or ':' or '\u00B7' or '\u2019'
        || char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark
            or UnicodeCategory.Format or UnicodeCategory.ModifierLetter or UnicodeCategory.ModifierSymbol;

    private static Dictionary<int, string> LoadStripTable()
    {
        const string resource = "Cora.Training.Tokenizers.Data.strip-accents.txt";
        using var stream = typeof(PythonText).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} is missing from the build");
        using var reader = new StreamReader(stream);
        var table = new Dictionary<int, string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split(' ');
            var kept = new StringBuilder();
            foreach (var hex in fields.Skip(1)) kept.Append(char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
            table[int.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = kept.ToString();
        }
        return table;
    }
}
