using System.IO.Compression;

namespace Cora.Training.Scoring;

/// <summary>
/// WordNet 3.0 synonyms as NLTK 3.8's METEOR reads them: the lemma names (without "_") of every
/// synset that <c>wordnet.synsets(word)</c> returns. <c>synsets</c> runs morphy for each part of
/// speech in NLTK's order (noun, verb, adjective, adverb): an exception-list entry decides alone;
/// otherwise the word and its one-step detachments are looked up, and only if none is a lemma are
/// the detachment rules applied again and again until one is.
/// The data is <c>Data/wordnet-synonyms.txt.gz</c>, embedded in this assembly and derived from
/// Debian's <c>wordnet-base</c> by <c>tools/wordnet/generate.py</c> (format described there);
/// it is parsed once, on first use, thread-safely.
/// </summary>
public static class WordNet
{
    private const string ResourceName = "Cora.Training.Scoring.Data.wordnet-synonyms.txt.gz";

    /// <summary>Parts of speech in NLTK's <c>POS_LIST</c> order, with their detachment rules.</summary>
    private static readonly (char Pos, (string Old, string New)[] Rules)[] PartsOfSpeech =
    [
        ('n', [("s", ""), ("ses", "s"), ("ves", "f"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"), ("ies", "y")]),
        ('v', [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")]),
        ('a', [("er", ""), ("est", ""), ("er", "e"), ("est", "e")]),
        ('r', []),
    ];

    private static readonly Lazy<Database> Data = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private sealed record Database(
        string[][] SynsetNames,
        IReadOnlyDictionary<char, Dictionary<string, int[]>> Index,
        IReadOnlyDictionary<char, Dictionary<string, string[]>> Exceptions);

    /// <summary>The lemma names without "_" of <c>wordnet.synsets(word)</c>; empty when it has none.</summary>
    public static IReadOnlySet<string> SynonymsOf(string word)
    {
        ArgumentNullException.ThrowIfNull(word);
        var data = Data.Value;
        var lemma = NltkWordTokenizer.PythonLower(word);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (pos, rules) in PartsOfSpeech)
        {
            var index = data.Index[pos];
            foreach (var form in Morphy(lemma, index, data.Exceptions[pos], rules))
                foreach (var synset in index[form])
                    names.UnionWith(data.SynsetNames[synset]);
        }
        return names;
    }

    /// <summary>NLTK's <c>_morphy(form, pos)</c>: the base forms of <paramref name="form"/> that are lemmas of this part of speech.</summary>
    private static List<string> Morphy(
        string form, Dictionary<string, int[]> index, Dictionary<string, string[]> exceptions, (string Old, string New)[] rules)
    {
        if (exceptions.TryGetValue(form, out var bases)) return Lemmas([form, .. bases], index);

        var forms = Detach([form], rules);
        var results = Lemmas([form, .. forms], index);
        // Upstream keeps duplicate forms between rounds; dropping them changes neither which
        // forms are found nor when, and keeps pathological words from growing exponentially.
        while (results.Count == 0 && forms.Count > 0)
        {
            forms = Detach(forms, rules);
            results = Lemmas(forms, index);
        }
        return results;
    }

    private static List<string> Detach(List<string> forms, (string Old, string New)[] rules)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var detached = new List<string>();
        foreach (var form in forms)
            foreach (var (old, replacement) in rules)
                if (form.EndsWith(old, StringComparison.Ordinal))
                {
                    var next = form[..^old.Length] + replacement;
                    if (seen.Add(next)) detached.Add(next);
                }
        return detached;
    }

    private static List<string> Lemmas(List<string> forms, Dictionary<string, int[]> index)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return forms.Where(f => index.ContainsKey(f) && seen.Add(f)).ToList();
    }

    private static Database Load()
    {
        using var resource = typeof(WordNet).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from {typeof(WordNet).Assembly.GetName().Name}");
        using var reader = new StreamReader(new GZipStream(resource, CompressionMode.Decompress));

        string[] Header(string expected)
        {
            var line = reader.ReadLine() ?? throw new InvalidDataException($"{ResourceName}: ends before its {expected} section");
            var fields = line.Split(' ');
            if (fields[0] != expected) throw new InvalidDataException($"{ResourceName}: expected {expected}, found '{line}'");
            return fields;
        }
        string Next() => reader.ReadLine() ?? throw new InvalidDataException($"{ResourceName}: truncated");

        var synsets = new string[int.Parse(Header("@synsets")[1])][];
        for (var i = 0; i < synsets.Length; i++)
            synsets[i] = Next().Split(' ', StringSplitOptions.RemoveEmptyEntries);

        // Four @index sections, then four @exc sections, one per part of speech: "key value…" lines.
        Dictionary<char, Dictionary<string, T>> Sections<T>(string name, Func<string[], T> values)
        {
            var sections = new Dictionary<char, Dictionary<string, T>>();
            foreach (var _ in PartsOfSpeech)
            {
                var header = Header(name);
                var count = int.Parse(header[2]);
                var entries = new Dictionary<string, T>(count, StringComparer.Ordinal);
                for (var i = 0; i < count; i++)
                {
                    var fields = Next().Split(' ');
                    entries[fields[0]] = values(fields[1..]);
                }
                sections[header[1][0]] = entries;
            }
            return sections;
        }

        var index = Sections("@index", ids => ids.Select(int.Parse).ToArray());
        var exceptions = Sections("@exc", bases => bases);
        return new Database(synsets, index, exceptions);
    }
}
