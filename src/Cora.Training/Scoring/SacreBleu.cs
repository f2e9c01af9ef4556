namespace Cora.Training.Scoring;

/// <summary>
/// BLEU with sacrebleu 2.6.0 defaults: one reference, 13a tokens, case-sensitive, exp smoothing.
/// The arithmetic follows upstream's <c>BLEU.compute_bleu</c> operation for operation, so scores
/// agree with it to the last bit or so.
/// </summary>
public static class SacreBleu
{
    // Upstream's my_log(0): large enough to drive exp() of the mean to 0.
    private const double LogOfZero = -9999999999;

    /// <summary>
    /// <c>corpus_bleu</c>: statistics summed over every pair, scored once over all 4 orders
    /// (no effective order).
    /// </summary>
    public static BleuScore Corpus(IReadOnlyList<(string Prediction, string Reference)> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var statistics = BleuStatistics.Zero;
        foreach (var (prediction, reference) in pairs)
        {
            statistics += BleuStatistics.ForSegment(prediction, reference);
        }
        return Score(statistics, effectiveOrder: false);
    }

    /// <summary><c>sentence_bleu(prediction, [reference]).score</c>: one segment, effective order on.</summary>
    public static double Sentence(string prediction, string reference) =>
        Score(BleuStatistics.ForSegment(prediction, reference), effectiveOrder: true).Score;

    /// <summary>
    /// Scores statistics. With <paramref name="effectiveOrder"/> the geometric mean runs over the
    /// orders before the first one without n-grams; without it, over all orders, such an order
    /// counting as log(0) = -9999999999.
    /// </summary>
    public static BleuScore Score(BleuStatistics statistics, bool effectiveOrder)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var matches = statistics.Matches;
        var totals = statistics.Totals;
        var precisions = new double[BleuStatistics.MaxOrder];
        var brevityPenalty = BrevityPenalty(statistics.SysLen, statistics.RefLen);
        if (matches.All(m => m == 0))
        {
            return new(0.0, precisions, matches, totals, brevityPenalty, statistics.SysLen, statistics.RefLen);
        }

        var order = BleuStatistics.MaxOrder;
        var smoothing = 1.0;
        for (var n = 1; n <= BleuStatistics.MaxOrder; n++)
        {
            if (totals[n - 1] == 0) break;
            if (effectiveOrder) order = n;
            if (matches[n - 1] == 0)
            {
                smoothing *= 2;
                precisions[n - 1] = 100.0 / (smoothing * totals[n - 1]);
            }
            else
            {
                precisions[n - 1] = 100.0 * matches[n - 1] / totals[n - 1];
            }
        }

        var sum = 0.0;
        for (var n = 0; n < order; n++)
        {
            sum += precisions[n] == 0.0 ? LogOfZero : Math.Log(precisions[n]);
        }
        var score = brevityPenalty * Math.Exp(sum / order);
        return new(score, precisions, matches, totals, brevityPenalty, statistics.SysLen, statistics.RefLen);
    }

    /// <summary>exp(1 - ref/sys) when the prediction is shorter, 0 when it is empty, else 1.</summary>
    public static double BrevityPenalty(long sysLen, long refLen)
    {
        if (sysLen >= refLen) return 1.0;
        return sysLen > 0 ? Math.Exp(1 - (double)refLen / sysLen) : 0.0;
    }
}
