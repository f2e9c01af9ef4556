using Cora.Training.Scoring.BertScore;

namespace Cora.Training.Tests.Scoring.BertScore;

/// <summary>
/// The matching maths against cases worked out by hand. Candidate h1 = (1, 0), h2 = (0, 1),
/// h3 = (−1, 0); reference r1 = (1, 0), r2 = (3, 4) (length 5: cosines must normalise it).
/// Cosines: h1·r1 = 1, h1·r2 = 0.6; h2·r1 = 0, h2·r2 = 0.8; h3·r1 = −1, h3·r2 = −0.6.
/// Best per candidate token: 1, 0.8, −0.6. Best per reference token: 1 (h1), 0.8 (h2).
/// </summary>
public sealed class GreedyMatchingTests
{
    private static readonly double[][] Candidate = [[1, 0], [0, 1], [-1, 0]];
    private static readonly double[][] Reference = [[1, 0], [3, 4]];

    [Fact]
    public void Cosines_are_normalised_dot_products()
    {
        var cos = GreedyMatching.Cosines(Candidate, Reference);
        Assert.Equal(new double[] { 1, 0.6, 0, 0.8, -1, -0.6 }, cos.Cast<double>(), (a, b) => Math.Abs(a - b) <= 1e-15);
    }

    [Fact]
    public void Unit_weights_average_the_best_matches()
    {
        // P = (1 + 0.8 − 0.6) / 3 = 0.4; R = (1 + 0.8) / 2 = 0.9; F = 2·0.4·0.9 / 1.3 = 0.72 / 1.3.
        var s = GreedyMatching.Score(Candidate, [1, 1, 1], Reference, [1, 1], false, false);
        AssertScores(s, 0.4, 0.9, 0.72 / 1.3);
    }

    [Fact]
    public void Weights_are_normalised_per_sentence()
    {
        // Candidate weights 1, 2, 1: P = (1 + 1.6 − 0.6) / 4 = 0.5. Reference 3, 1: R = (3 + 0.8) / 4 = 0.95.
        // F = 2·0.5·0.95 / 1.45 = 0.95 / 1.45.
        var s = GreedyMatching.Score(Candidate, [1, 2, 1], Reference, [3, 1], false, false);
        AssertScores(s, 0.5, 0.95, 0.95 / 1.45);
    }

    [Fact]
    public void A_zero_weight_token_still_takes_part_in_the_other_sides_maxima()
    {
        // h1 (the only candidate token matching r1 exactly) weighs 0, like [CLS]: P = (0.8 − 0.6) / 2 = 0.1,
        // but r1's best match is still h1's cosine 1, so R stays 0.9. F = 0.18 / 1.0.
        var s = GreedyMatching.Score(Candidate, [0, 1, 1], Reference, [1, 1], false, false);
        AssertScores(s, 0.1, 0.9, 0.18);
    }

    [Fact]
    public void An_empty_side_scores_zero_everywhere()
    {
        // An empty candidate is its two special tokens, both weighing 0.
        double[][] specials = [[1, 0], [0, 1]];
        Assert.Equal(new BertScoreValues(0, 0, 0), GreedyMatching.Score(specials, [0, 0], Reference, [1, 1], true, false));
        Assert.Equal(new BertScoreValues(0, 0, 0), GreedyMatching.Score(Candidate, [1, 1, 1], specials, [0, 0], false, true));
        Assert.Equal(new BertScoreValues(0, 0, 0), GreedyMatching.Score(new double[0, 2], [], [0, 0], true, false));
    }

    [Fact]
    public void A_non_empty_side_whose_weights_all_are_zero_is_nan_with_f1_zero_as_in_bert_score()
    {
        var s = GreedyMatching.Score(Candidate, [0, 0, 0], Reference, [1, 1], false, false);
        Assert.True(double.IsNaN(s.Precision));
        Assert.Equal(0.9, s.Recall, 1e-15);
        Assert.Equal(0, s.F1);
    }

    [Fact]
    public void Identical_sentences_score_one()
    {
        var s = GreedyMatching.Score(Reference, [1, 1], Reference, [1, 1], false, false);
        Assert.Equal(new BertScoreValues(1, 1, 1), s with { Precision = Math.Round(s.Precision, 14), Recall = Math.Round(s.Recall, 14), F1 = Math.Round(s.F1, 14) });
    }

    [Fact]
    public void Rescaling_uses_each_metrics_own_baseline()
    {
        // (0.4 − 0.5) / 0.5 = −0.2; (0.9 − 0.6) / 0.4 = 0.75; (0.72/1.3 − 0.2) / 0.8.
        var raw = GreedyMatching.Score(Candidate, [1, 1, 1], Reference, [1, 1], false, false);
        var s = new BertScoreBaseline(0.5, 0.6, 0.2).Rescale(raw);
        AssertScores(s, -0.2, 0.75, (0.72 / 1.3 - 0.2) / 0.8);
    }

    [Fact]
    public void Weights_must_match_the_tokens()
    {
        Assert.Throws<ArgumentException>(() => GreedyMatching.Score(Candidate, [1, 1], Reference, [1, 1], false, false));
    }

    private static void AssertScores(BertScoreValues s, double precision, double recall, double f1)
    {
        Assert.Equal(precision, s.Precision, 1e-15);
        Assert.Equal(recall, s.Recall, 1e-15);
        Assert.Equal(f1, s.F1, 1e-15);
    }
}
