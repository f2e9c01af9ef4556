namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// How much each token counts in BERTScore's sums, by token id, as bert-score's <c>idf_dict</c>.
/// </summary>
/// <remarks>
/// Without idf (<see cref="Uniform"/>): 1 for every token, 0 for the special tokens ([CLS] and
/// [SEP], &lt;s&gt; and &lt;/s&gt;; here also a Llama BOS). With idf (<see cref="Idf"/>, bert-score's
/// <c>get_idf_dict</c>): over the M references, <c>idf(w) = ln((M + 1) / (df(w) + 1))</c> where
/// df(w) counts the references whose token ids contain w (each reference once, however often w
/// occurs in it, special tokens included — so those come out as ln(1) = 0); a token no reference
/// has gets <c>ln(M + 1)</c>. Duplicate references count as separate documents, as there.
/// </remarks>
public sealed class TokenWeights
{
    private readonly Dictionary<int, double>? _idf;
    private readonly double _unseen;
    private readonly HashSet<int> _zero;

    private TokenWeights(Dictionary<int, double>? idf, double unseen, HashSet<int> zero)
    {
        _idf = idf;
        _unseen = unseen;
        _zero = zero;
    }

    /// <summary>Every token 1, the <paramref name="specialIds"/> 0.</summary>
    public static TokenWeights Uniform(IEnumerable<int> specialIds) => new(null, 1, specialIds.ToHashSet());

    /// <summary>Inverse document frequencies over <paramref name="references"/> (token ids of each, special tokens included).</summary>
    public static TokenWeights Idf(IReadOnlyCollection<IReadOnlyList<int>> references)
    {
        var documentFrequency = new Dictionary<int, int>();
        foreach (var reference in references)
        {
            foreach (var id in reference.Distinct())
                documentFrequency[id] = documentFrequency.GetValueOrDefault(id) + 1;
        }
        double m = references.Count;
        var idf = documentFrequency.ToDictionary(e => e.Key, e => Math.Log((m + 1) / (e.Value + 1)));
        return new TokenWeights(idf, Math.Log(m + 1), []);
    }

    public double Weight(int id) =>
        _idf is null ? (_zero.Contains(id) ? 0 : 1) : _idf.GetValueOrDefault(id, _unseen);

    /// <summary>The weights of a sentence's tokens, in order.</summary>
    public double[] Of(IReadOnlyList<int> ids) => ids.Select(Weight).ToArray();
}
