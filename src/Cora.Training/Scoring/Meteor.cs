namespace Cora.Training.Scoring;

/// <summary>
/// METEOR as NLTK 3.8's <c>meteor_score([word_tokenize(reference, preserve_line=True)],
/// word_tokenize(prediction, preserve_line=True), alpha=0.9, beta=3, gamma=0.5)</c> computes it.
/// Tokens are lowercased, then aligned greedily in three stages (exact, Porter stems, WordNet
/// synonyms): for each unmatched hypothesis word from last to first, the last unmatched equal
/// reference word is taken. Upstream hands the stage-3 words on as their stems, so synonyms are
/// looked up for, and compared with, stems. Any division by zero scores 0.
/// </summary>
public static class Meteor
{
    public const double Alpha = 0.9;
    public const double Beta = 3;
    public const double Gamma = 0.5;

    public static double Score(string prediction, string reference)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(reference);
        var hypothesis = Enumerate(prediction);
        var references = Enumerate(reference);
        var hypothesisLength = hypothesis.Count;
        var referenceLength = references.Count;

        var matches = new List<(int Hypothesis, int Reference)>();
        Align(hypothesis, references, matches, Equal);
        hypothesis = hypothesis.Select(w => (w.Index, PorterStemmer.Stem(w.Word))).ToList();
        references = references.Select(w => (w.Index, PorterStemmer.Stem(w.Word))).ToList();
        Align(hypothesis, references, matches, Equal);
        Align(hypothesis, references, matches, h =>
        {
            var synonyms = WordNet.SynonymsOf(h);
            return r => r == h || synonyms.Contains(r);
        });

        var m = matches.Count;
        if (hypothesisLength == 0 || referenceLength == 0 || m == 0) return 0.0;
        var precision = (double)m / hypothesisLength;
        var recall = (double)m / referenceLength;
        // 1 - alpha is computed, not written as 0.1: upstream's value is 0.09999999999999998.
        var alpha = Alpha;
        var fmean = precision * recall / (alpha * precision + (1 - alpha) * recall);
        matches.Sort((a, b) => a.Hypothesis.CompareTo(b.Hypothesis));
        var fragmentation = (double)Chunks(matches) / m;
        var penalty = Gamma * Math.Pow(fragmentation, Beta);
        return (1 - penalty) * fmean;
    }

    private static Func<string, bool> Equal(string hypothesisWord) => r => r == hypothesisWord;

    private static List<(int Index, string Word)> Enumerate(string text) =>
        NltkWordTokenizer.Tokenize(text).Select((t, i) => (i, NltkWordTokenizer.PythonLower(t))).ToList();

    /// <summary>
    /// One alignment stage: each hypothesis word, from last to first, takes the last remaining
    /// reference word that <paramref name="accepts"/> (given the hypothesis word, asked once per
    /// word as upstream builds one synonym set per word) accepts; both leave their lists.
    /// </summary>
    private static void Align(
        List<(int Index, string Word)> hypothesis, List<(int Index, string Word)> reference,
        List<(int Hypothesis, int Reference)> aligned, Func<string, Func<string, bool>> accepts)
    {
        for (var i = hypothesis.Count - 1; i >= 0; i--)
        {
            var matches = accepts(hypothesis[i].Word);
            for (var j = reference.Count - 1; j >= 0; j--)
            {
                if (!matches(reference[j].Word)) continue;
                aligned.Add((hypothesis[i].Index, reference[j].Index));
                hypothesis.RemoveAt(i);
                reference.RemoveAt(j);
                break;
            }
        }
    }

    /// <summary>1 + the number of breaks in the run (h+1, r+1) of matches sorted by hypothesis position.</summary>
    private static int Chunks(List<(int Hypothesis, int Reference)> matches)
    {
        var chunks = 1;
        for (var i = 0; i + 1 < matches.Count; i++)
            if (matches[i + 1].Hypothesis != matches[i].Hypothesis + 1 || matches[i + 1].Reference != matches[i].Reference + 1)
                chunks++;
        return chunks;
    }
}
