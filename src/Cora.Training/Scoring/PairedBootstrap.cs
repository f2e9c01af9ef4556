using Cora.Training.Generation;

namespace Cora.Training.Scoring;

/// <summary>The outcome of comparing system A with system B on the same examples.</summary>
/// <param name="Difference">Metric(A) − metric(B) on all shared examples.</param>
/// <param name="CiLow">2.5th percentile of the resampled differences; <paramref name="CiHigh"/> the 97.5th.</param>
/// <param name="PValue">Two-sided: twice the share of resampled differences on the far side of zero
/// from the observed one (capped at 1) — the chance that the sign of the difference is an accident
/// of which examples were drawn.</param>
public sealed record BootstrapComparison(string Metric, int Pairs, double A, double B, double Difference,
    double CiLow, double CiHigh, double PValue, int Resamples, int Seed, int OnlyInA, int OnlyInB);

/// <summary>
/// Paired bootstrap resampling (Koehn 2004) over the examples both systems answered: draw the
/// shared ids with replacement, score A and B on the same draw, repeat. Per-pair metrics (ROUGE,
/// METEOR, sentence BLEU) are averaged over the draw; <c>bleu</c> is real corpus BLEU of the draw (n-gram
/// statistics summed), as sacreBLEU's own paired bootstrap does. Seeded: the same inputs and seed
/// give the same interval.
/// </summary>
public static class PairedBootstrap
{
    public static readonly IReadOnlyList<string> Metrics =
        ["rouge1", "rouge2", "rougeL", "rougeLsum", "rouge1_stem", "rouge2_stem", "rougeL_stem", "rougeLsum_stem", "meteor", "sentence_bleu", "bleu"];

    public static BootstrapComparison Compare(IReadOnlyList<Prediction> a, IReadOnlyList<Prediction> b, string metric,
        int resamples = 1000, int seed = 0)
    {
        if (!Metrics.Contains(metric))
            throw new InvalidInputException($"unknown metric \"{metric}\" (one of {string.Join(", ", Metrics)})");
        if (resamples < 1) throw new InvalidInputException($"resamples must be at least 1 (got {resamples})");
        var byId = b.ToDictionary(p => p.Id, StringComparer.Ordinal);
        var shared = a.Where(p => byId.ContainsKey(p.Id)).Select(p => (A: p, B: byId[p.Id])).ToList();
        if (shared.Count == 0) throw new InvalidInputException("the two prediction files share no ids");
        if (shared.Any(s => s.A.Reference != s.B.Reference))
        {
            var id = shared.First(s => s.A.Reference != s.B.Reference).A.Id;
            throw new InvalidInputException($"id \"{id}\" has different references in the two files: they answer different data");
        }

        Func<IEnumerable<int>, double> scoreA, scoreB;
        if (metric == "bleu")
        {
            var statsA = shared.Select(s => BleuStatistics.ForSegment(s.A.Text, s.A.Reference)).ToArray();
            var statsB = shared.Select(s => BleuStatistics.ForSegment(s.B.Text, s.B.Reference)).ToArray();
            scoreA = draw => SacreBleu.Score(draw.Aggregate(BleuStatistics.Zero, (sum, i) => sum + statsA[i]), effectiveOrder: false).Score;
            scoreB = draw => SacreBleu.Score(draw.Aggregate(BleuStatistics.Zero, (sum, i) => sum + statsB[i]), effectiveOrder: false).Score;
        }
        else
        {
            var valuesA = shared.Select(s => PairValue(metric, s.A)).ToArray();
            var valuesB = shared.Select(s => PairValue(metric, s.B)).ToArray();
            scoreA = draw => Evaluation.Mean(draw.Select(i => valuesA[i]));
            scoreB = draw => Evaluation.Mean(draw.Select(i => valuesB[i]));
        }

        var all = Enumerable.Range(0, shared.Count).ToArray();
        double observedA = scoreA(all), observedB = scoreB(all), observed = observedA - observedB;
        var random = new Random(seed);
        var differences = new double[resamples];
        var draw = new int[shared.Count];
        for (var r = 0; r < resamples; r++)
        {
            for (var i = 0; i < draw.Length; i++) draw[i] = random.Next(shared.Count);
            differences[r] = scoreA(draw) - scoreB(draw);
        }
        Array.Sort(differences);
        var farSide = observed >= 0 ? differences.Count(d => d <= 0) : differences.Count(d => d >= 0);
        return new BootstrapComparison(metric, shared.Count, observedA, observedB, observed,
            Percentile(differences, 0.025), Percentile(differences, 0.975), Math.Min(1.0, 2.0 * farSide / resamples),
            resamples, seed, a.Count - shared.Count, b.Count - shared.Count);
    }

    private static double PairValue(string metric, Prediction p)
    {
        if (metric == "sentence_bleu") return SacreBleu.Sentence(p.Text, p.Reference);
        if (metric == "meteor") return Meteor.Score(p.Text, p.Reference);
        var scores = Rouge.Score(p.Text, p.Reference, stem: metric.EndsWith("_stem", StringComparison.Ordinal));
        return metric.Replace("_stem", "", StringComparison.Ordinal) switch
        {
            "rouge1" => scores.Rouge1,
            "rouge2" => scores.Rouge2,
            "rougeL" => scores.RougeL,
            _ => scores.RougeLsum,
        };
    }

    /// <summary>Linear interpolation between closest ranks (numpy's default) on sorted values.</summary>
    private static double Percentile(double[] sorted, double q)
    {
        var position = q * (sorted.Length - 1);
        var low = (int)Math.Floor(position);
        var high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }
}
