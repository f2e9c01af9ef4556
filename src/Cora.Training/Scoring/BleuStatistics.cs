namespace Cora.Training.Scoring;

/// <summary>
/// The sufficient statistics of BLEU for one segment or, summed, for a corpus: clipped n-gram
/// matches and n-gram totals for n = 1..<see cref="MaxOrder"/>, and the 13a token counts of the
/// prediction (<see cref="SysLen"/>) and the reference (<see cref="RefLen"/>).
/// </summary>
public sealed class BleuStatistics
{
    /// <summary>The highest n-gram order (sacrebleu's default 4).</summary>
    public const int MaxOrder = 4;

    private readonly long[] _matches;
    private readonly long[] _totals;

    private BleuStatistics(long sysLen, long refLen, long[] matches, long[] totals)
    {
        SysLen = sysLen;
        RefLen = refLen;
        _matches = matches;
        _totals = totals;
    }

    /// <summary>No segments: the identity of <see cref="Add"/>.</summary>
    public static BleuStatistics Zero { get; } = new(0, 0, new long[MaxOrder], new long[MaxOrder]);

    /// <summary>Prediction tokens.</summary>
    public long SysLen { get; }

    /// <summary>Reference tokens.</summary>
    public long RefLen { get; }

    /// <summary>Clipped matches per order; index 0 is unigrams.</summary>
    public IReadOnlyList<long> Matches => _matches;

    /// <summary>Prediction n-grams per order; index 0 is unigrams.</summary>
    public IReadOnlyList<long> Totals => _totals;

    /// <summary>The statistics of one prediction against its one reference, both 13a-tokenized.</summary>
    public static BleuStatistics ForSegment(string prediction, string reference)
    {
        var predictionTokens = Tokenizer13a.Tokenize(prediction);
        var referenceTokens = Tokenizer13a.Tokenize(reference);
        var referenceCounts = CountNgrams(referenceTokens);
        var matches = new long[MaxOrder];
        var totals = new long[MaxOrder];
        foreach (var ((order, ngram), count) in CountNgrams(predictionTokens))
        {
            totals[order - 1] += count;
            if (referenceCounts.TryGetValue((order, ngram), out var referenceCount))
            {
                matches[order - 1] += Math.Min(count, referenceCount);
            }
        }
        return new(predictionTokens.Count, referenceTokens.Count, matches, totals);
    }

    /// <summary>The statistics of both sets of segments together.</summary>
    public BleuStatistics Add(BleuStatistics other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var matches = new long[MaxOrder];
        var totals = new long[MaxOrder];
        for (var i = 0; i < MaxOrder; i++)
        {
            matches[i] = _matches[i] + other._matches[i];
            totals[i] = _totals[i] + other._totals[i];
        }
        return new(SysLen + other.SysLen, RefLen + other.RefLen, matches, totals);
    }

    /// <inheritdoc cref="Add"/>
    public static BleuStatistics operator +(BleuStatistics left, BleuStatistics right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Add(right);
    }

    // Tokens never contain white space, so a space-joined n-gram is as good a key as Python's tuple.
    private static Dictionary<(int Order, string Ngram), long> CountNgrams(IReadOnlyList<string> tokens)
    {
        var counts = new Dictionary<(int, string), long>();
        for (var order = 1; order <= MaxOrder; order++)
        {
            for (var start = 0; start + order <= tokens.Count; start++)
            {
                var key = (order, string.Join(' ', tokens.Skip(start).Take(order)));
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
        }
        return counts;
    }
}
