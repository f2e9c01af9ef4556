namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// BERTScore's matching maths, as bert-score's <c>greedy_cos_idf</c> does it for one pair:
/// every candidate token is matched to its most similar reference token and vice versa.
/// <code>
/// P = Σ_i ŵ_i · max_j cos(h_i, r_j)     ŵ = w / Σ w over the candidate's tokens
/// R = Σ_j v̂_j · max_i cos(h_i, r_j)     v̂ = v / Σ v over the reference's tokens
/// F = 2PR / (P + R), and 0 where that is NaN
/// </code>
/// Special tokens ([CLS]/[SEP], &lt;s&gt;/&lt;/s&gt;, BOS) take part in the maxima; their weight
/// (see <see cref="TokenWeights"/>) is what keeps them out of the sums.
/// </summary>
/// <remarks>
/// Empty sentences, as bert-score: a side with no text (only its special tokens) sets P and R to
/// 0 after F was computed from them; F is then 0 because the empty side's weights sum to 0 and
/// make its score NaN. A non-empty side whose weights all are 0 (idf weighting where every token
/// occurs in every reference) gives NaN for its P or R and 0 for F, exactly as bert-score does.
/// The maxima run over real tokens only. bert-score pads a batch's pairs to a common length and
/// lets the zero similarities of padding into its maxima, which changes a score only when every
/// real similarity of a token is negative and its partner is shorter than the batch's longest —
/// a batch-size artefact that contextual embeddings (whose cosines are positive) do not show;
/// this is what bert-score computes with batch_size=1.
/// </remarks>
public static class GreedyMatching
{
    /// <param name="cosines">[i, j] = cos(candidate token i, reference token j).</param>
    /// <param name="candidateWeights">One weight per candidate token (row).</param>
    /// <param name="referenceWeights">One weight per reference token (column).</param>
    /// <param name="candidateEmpty">The candidate has no text, only special tokens (or none at all).</param>
    /// <param name="referenceEmpty">Likewise for the reference.</param>
    public static BertScoreValues Score(double[,] cosines, IReadOnlyList<double> candidateWeights, IReadOnlyList<double> referenceWeights,
        bool candidateEmpty, bool referenceEmpty)
    {
        ArgumentNullException.ThrowIfNull(cosines);
        int n = cosines.GetLength(0), m = cosines.GetLength(1);
        if (candidateWeights.Count != n || referenceWeights.Count != m)
            throw new ArgumentException($"{n}×{m} cosines need {n} candidate and {m} reference weights (got {candidateWeights.Count} and {referenceWeights.Count})");
        if (n == 0 || m == 0)
        {
            // No tokens at all (a tokenizer without special tokens on empty text): nothing to match.
            if (!(candidateEmpty || referenceEmpty) || (n == 0 && !candidateEmpty) || (m == 0 && !referenceEmpty))
                throw new ArgumentException("a side without tokens must be marked empty");
            return new BertScoreValues(0, 0, 0);
        }

        var bestForCandidate = new double[n];
        var bestForReference = new double[m];
        Array.Fill(bestForCandidate, double.NegativeInfinity);
        Array.Fill(bestForReference, double.NegativeInfinity);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < m; j++)
            {
                var c = cosines[i, j];
                if (c > bestForCandidate[i]) bestForCandidate[i] = c;
                if (c > bestForReference[j]) bestForReference[j] = c;
            }
        }
        var precision = WeightedMean(bestForCandidate, candidateWeights);
        var recall = WeightedMean(bestForReference, referenceWeights);
        var f1 = 2 * precision * recall / (precision + recall);
        if (double.IsNaN(f1)) f1 = 0;
        if (candidateEmpty || referenceEmpty) precision = recall = 0;
        return new BertScoreValues(precision, recall, f1);
    }

    /// <summary>Scores token embeddings: L2-normalises them, takes their cosines, then <see cref="Score(double[,], IReadOnlyList{double}, IReadOnlyList{double}, bool, bool)"/>.</summary>
    public static BertScoreValues Score(IReadOnlyList<double[]> candidate, IReadOnlyList<double> candidateWeights,
        IReadOnlyList<double[]> reference, IReadOnlyList<double> referenceWeights, bool candidateEmpty, bool referenceEmpty) =>
        Score(Cosines(candidate, reference), candidateWeights, referenceWeights, candidateEmpty, referenceEmpty);

    /// <summary>[i, j] = a_i · b_j / (|a_i| |b_j|).</summary>
    public static double[,] Cosines(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b)
    {
        var cosines = new double[a.Count, b.Count];
        for (var i = 0; i < a.Count; i++)
        {
            for (var j = 0; j < b.Count; j++)
            {
                if (a[i].Length != b[j].Length) throw new ArgumentException($"embedding sizes differ: {a[i].Length} and {b[j].Length}");
                double dot = 0, na = 0, nb = 0;
                for (var k = 0; k < a[i].Length; k++)
                {
                    dot += a[i][k] * b[j][k];
                    na += a[i][k] * a[i][k];
                    nb += b[j][k] * b[j][k];
                }
                cosines[i, j] = dot / (Math.Sqrt(na) * Math.Sqrt(nb));
            }
        }
        return cosines;
    }

    // Σ best_i · w_i / Σ w: NaN when the weights sum to 0, as bert-score's idf.div_(idf.sum()).
    private static double WeightedMean(double[] best, IReadOnlyList<double> weights)
    {
        double total = 0;
        foreach (var w in weights) total += w;
        double sum = 0;
        for (var i = 0; i < best.Length; i++) sum += best[i] * (weights[i] / total);
        return sum;
    }
}
