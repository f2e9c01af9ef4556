namespace Cora.Training.Scoring;

/// <summary>
/// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum F-measures exactly as Google's <c>rouge_score</c> 0.1.2
/// computes them with its default tokenizer and <c>split_summaries=False</c> (the Hugging Face
/// <c>evaluate</c> defaults). Every division and the F formula follow upstream's operation order,
/// so the doubles are bit-for-bit the same.
/// </summary>
public static class Rouge
{
    /// <summary>Scores <paramref name="prediction"/> against <paramref name="reference"/>.</summary>
    /// <param name="stem">Porter-stem tokens longer than 3 characters (upstream's <c>use_stemmer</c>).</param>
    public static RougeScores Score(string prediction, string reference, bool stem)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(reference);
        var predictionTokens = RougeTokenizer.Tokenize(prediction, stem);
        var referenceTokens = RougeTokenizer.Tokenize(reference, stem);
        return new RougeScores(
            NGrams(predictionTokens, referenceTokens, 1),
            NGrams(predictionTokens, referenceTokens, 2),
            Lcs(predictionTokens, referenceTokens),
            SummaryLevelLcs(Lines(prediction, stem), Lines(reference, stem)));
    }

    /// <summary><c>2PR/(P+R)</c>, or 0 when both are 0.</summary>
    private static double FMeasure(double precision, double recall) =>
        precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0.0;

    private static double NGrams(IReadOnlyList<string> prediction, IReadOnlyList<string> reference, int n)
    {
        var predictionCounts = Count(prediction, n);
        var referenceCounts = Count(reference, n);
        var overlap = 0;
        foreach (var (gram, count) in referenceCounts)
        {
            overlap += Math.Min(count, predictionCounts.GetValueOrDefault(gram));
        }
        var precision = (double)overlap / Math.Max(predictionCounts.Values.Sum(), 1);
        var recall = (double)overlap / Math.Max(referenceCounts.Values.Sum(), 1);
        return FMeasure(precision, recall);
    }

    private static Dictionary<string, int> Count(IReadOnlyList<string> tokens, int n)
    {
        // Tokens are [a-z0-9]+, so a space joins an n-gram's tokens without ambiguity.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i + n <= tokens.Count; i++)
        {
            var gram = string.Join(' ', tokens.Skip(i).Take(n));
            counts[gram] = counts.GetValueOrDefault(gram) + 1;
        }
        return counts;
    }

    private static double Lcs(IReadOnlyList<string> prediction, IReadOnlyList<string> reference)
    {
        if (prediction.Count == 0 || reference.Count == 0) return 0.0;
        var length = LcsTable(reference, prediction)[reference.Count, prediction.Count];
        var precision = (double)length / prediction.Count;
        var recall = (double)length / reference.Count;
        return FMeasure(precision, recall);
    }

    /// <summary>The tokens of each line of <paramref name="text"/>: split on '\n' only, exactly empty lines dropped.</summary>
    private static List<IReadOnlyList<string>> Lines(string text, bool stem) =>
        text.Split('\n').Where(line => line.Length > 0).Select(line => RougeTokenizer.Tokenize(line, stem)).ToList();

    /// <summary>
    /// Summary-level LCS (ROUGE-1.5.5's ROUGE-Lsum): for each reference line, the union of its LCS
    /// positions against every prediction line; each token of that union is a hit only while both
    /// sides still have an unused occurrence of it, so no token counts twice.
    /// </summary>
    private static double SummaryLevelLcs(List<IReadOnlyList<string>> prediction, List<IReadOnlyList<string>> reference)
    {
        if (prediction.Count == 0 || reference.Count == 0) return 0.0;
        var predictionLength = prediction.Sum(line => line.Count);
        var referenceLength = reference.Sum(line => line.Count);
        if (predictionLength == 0 || referenceLength == 0) return 0.0;

        var predictionLeft = TokenCounts(prediction);
        var referenceLeft = TokenCounts(reference);
        var hits = 0;
        foreach (var line in reference)
        {
            foreach (var token in UnionLcs(line, prediction))
            {
                if (predictionLeft.GetValueOrDefault(token) > 0 && referenceLeft.GetValueOrDefault(token) > 0)
                {
                    hits++;
                    predictionLeft[token]--;
                    referenceLeft[token]--;
                }
            }
        }
        var recall = (double)hits / referenceLength;
        var precision = (double)hits / predictionLength;
        return FMeasure(precision, recall);
    }

    private static Dictionary<string, int> TokenCounts(List<IReadOnlyList<string>> lines)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var token in lines.SelectMany(line => line))
        {
            counts[token] = counts.GetValueOrDefault(token) + 1;
        }
        return counts;
    }

    /// <summary>The tokens of <paramref name="reference"/> at the sorted union of its LCS positions against each candidate line.</summary>
    private static IEnumerable<string> UnionLcs(IReadOnlyList<string> reference, List<IReadOnlyList<string>> candidates)
    {
        var positions = new SortedSet<int>();
        foreach (var candidate in candidates)
        {
            positions.UnionWith(LcsPositions(reference, candidate));
        }
        return positions.Select(i => reference[i]);
    }

    /// <summary>
    /// The reference positions of one LCS, found by walking the table back from the end: a match is
    /// taken at once, otherwise the walk moves left only when that cell is strictly larger than the
    /// one above (upstream's tie-break, which decides which LCS is chosen).
    /// </summary>
    private static List<int> LcsPositions(IReadOnlyList<string> reference, IReadOnlyList<string> candidate)
    {
        var table = LcsTable(reference, candidate);
        var positions = new List<int>();
        var i = reference.Count;
        var j = candidate.Count;
        while (i > 0 && j > 0)
        {
            if (reference[i - 1] == candidate[j - 1])
            {
                positions.Add(i - 1);
                i--;
                j--;
            }
            else if (table[i, j - 1] > table[i - 1, j])
            {
                j--;
            }
            else
            {
                i--;
            }
        }
        return positions;
    }

    private static int[,] LcsTable(IReadOnlyList<string> reference, IReadOnlyList<string> candidate)
    {
        var table = new int[reference.Count + 1, candidate.Count + 1];
        for (var i = 1; i <= reference.Count; i++)
        {
            for (var j = 1; j <= candidate.Count; j++)
            {
                table[i, j] = reference[i - 1] == candidate[j - 1]
                    ? table[i - 1, j - 1] + 1
                    : Math.Max(table[i - 1, j], table[i, j - 1]);
            }
        }
        return table;
    }
}
