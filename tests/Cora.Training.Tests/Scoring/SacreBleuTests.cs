using System.Text.Json;
using Cora.Training.Scoring;

namespace Cora.Training.Tests.Scoring;

/// <summary>
/// SacreBLEU against <c>tests/fixtures/metrics</c>: numbers produced by sacrebleu 2.6.0 itself
/// (see the fixture README) for every pair, at sentence and at corpus level.
/// </summary>
public sealed class SacreBleuTests
{
    private const double Tolerance = 1e-9;

    private static readonly Lazy<IReadOnlyList<(string Id, string Prediction, string Reference)>> Cases = new(LoadCases);
    private static readonly Lazy<JsonDocument> Expected = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "metrics", "expected.json"))));

    public static TheoryData<string> PairIds
    {
        get
        {
            var data = new TheoryData<string>();
            foreach (var (id, _, _) in Cases.Value) data.Add(id);
            return data;
        }
    }

    [Fact]
    public void Fixture_has_every_pair()
    {
        Assert.Equal(158, Cases.Value.Count);
        Assert.Equal(Cases.Value.Count, Corpus.GetProperty("n_pairs").GetInt32());
    }

    [Theory]
    [MemberData(nameof(PairIds))]
    public void Sentence_bleu_matches_sacrebleu(string id)
    {
        var (_, prediction, reference) = Cases.Value.Single(c => c.Id == id);
        var expected = Expected.Value.RootElement.GetProperty("pairs").GetProperty(id).GetProperty("sentence_bleu").GetDouble();

        var actual = SacreBleu.Sentence(prediction, reference);

        Assert.InRange(actual, expected - Tolerance, expected + Tolerance);
    }

    [Fact]
    public void Corpus_bleu_matches_sacrebleu()
    {
        var score = SacreBleu.Corpus(Cases.Value.Select(c => (c.Prediction, c.Reference)).ToList());

        Assert.Equal(Corpus.GetProperty("sys_len").GetInt64(), score.SysLen);
        Assert.Equal(Corpus.GetProperty("ref_len").GetInt64(), score.RefLen);
        Assert.Equal(Longs("bleu_counts"), score.Counts);
        Assert.Equal(Longs("bleu_totals"), score.Totals);
        AssertClose(Corpus.GetProperty("bleu_bp").GetDouble(), score.BrevityPenalty);
        var precisions = Corpus.GetProperty("bleu_precisions").EnumerateArray().Select(p => p.GetDouble()).ToList();
        Assert.Equal(precisions.Count, score.Precisions.Count);
        for (var i = 0; i < precisions.Count; i++) AssertClose(precisions[i], score.Precisions[i]);
        AssertClose(Corpus.GetProperty("bleu").GetDouble(), score.Score);
    }

    [Fact]
    public void Corpus_bleu_is_not_the_mean_of_sentence_bleu()
    {
        var pairs = Cases.Value.Select(c => (c.Prediction, c.Reference)).ToList();
        var mean = pairs.Average(p => SacreBleu.Sentence(p.Prediction, p.Reference));

        Assert.True(Math.Abs(mean - SacreBleu.Corpus(pairs).Score) > 1e-3);
    }

    [Fact]
    public void Exact_match_scores_exp_of_log_100()
    {
        Assert.Equal(100.00000000000004, SacreBleu.Sentence("the cat sat on the mat", "the cat sat on the mat"));
    }

    [Fact]
    public void Short_sentence_uses_effective_order_but_corpus_does_not()
    {
        // Two tokens: only unigrams and bigrams exist. Sentence BLEU averages those two orders;
        // corpus BLEU counts orders 3 and 4 as log(0) and so scores 0.
        Assert.Equal(Math.Exp((Math.Log(100.0) + Math.Log(100.0)) / 2), SacreBleu.Sentence("hello world", "hello world"));
        var corpus = SacreBleu.Corpus([("hello world", "hello world")]);
        Assert.Equal(0.0, corpus.Score);
        Assert.Equal(new[] { 100.0, 100.0, 0.0, 0.0 }, corpus.Precisions);
    }

    [Fact]
    public void Zero_match_order_is_exp_smoothed()
    {
        // Unigrams 2/3, bigrams 0/2 -> 100/(2*2), trigrams 0/1 -> 100/(4*1).
        var score = SacreBleu.Score(BleuStatistics.ForSegment("a b c", "b x a"), effectiveOrder: true);

        Assert.Equal(new[] { 100.0 * 2 / 3, 100.0 / 4, 100.0 / 4, 0.0 }, score.Precisions);
        Assert.Equal(Math.Exp((Math.Log(100.0 * 2 / 3) + Math.Log(25.0) + Math.Log(25.0)) / 3), score.Score);
    }

    [Fact]
    public void No_match_scores_zero_but_keeps_the_brevity_penalty()
    {
        var score = SacreBleu.Score(BleuStatistics.ForSegment("x", "a b c"), effectiveOrder: true);

        Assert.Equal(0.0, score.Score);
        Assert.Equal(new double[4], score.Precisions);
        Assert.Equal(Math.Exp(1 - 3.0 / 1), score.BrevityPenalty);
        Assert.Equal(0.0, SacreBleu.BrevityPenalty(0, 3));
        Assert.Equal(1.0, SacreBleu.BrevityPenalty(4, 3));
    }

    [Fact]
    public void Statistics_add_up()
    {
        var sum = BleuStatistics.ForSegment("a b", "a b c") + BleuStatistics.ForSegment("c c", "c");

        Assert.Equal((4L, 4L), (sum.SysLen, sum.RefLen));
        Assert.Equal(new long[] { 3, 1, 0, 0 }, sum.Matches);
        Assert.Equal(new long[] { 4, 2, 0, 0 }, sum.Totals);
    }

    private static JsonElement Corpus => Expected.Value.RootElement.GetProperty("corpus");

    private static long[] Longs(string name) => Corpus.GetProperty(name).EnumerateArray().Select(e => e.GetInt64()).ToArray();

    private static void AssertClose(double expected, double actual) =>
        Assert.InRange(actual, expected - Tolerance, expected + Tolerance);

    private static List<(string, string, string)> LoadCases()
    {
        var cases = new List<(string, string, string)>();
        foreach (var line in File.ReadLines(Path.Combine(Fixtures.Root, "metrics", "cases.jsonl")))
        {
            if (line.Length == 0) continue;
            using var json = JsonDocument.Parse(line);
            var root = json.RootElement;
            cases.Add((root.GetProperty("id").GetString()!, root.GetProperty("prediction").GetString()!, root.GetProperty("reference").GetString()!));
        }
        return cases;
    }
}
