using System.Text.Json;
using Cora.Training.Scoring;

namespace Cora.Training.Tests.Scoring;

/// <summary>
/// ROUGE against <c>tests/fixtures/metrics</c>: numbers produced by calling Google's
/// <c>rouge_score</c> 0.1.2 itself, matched to 1e-9 for every pair and for the corpus means.
/// </summary>
public class RougeTests
{
    private const double Tolerance = 1e-9;

    private static readonly Lazy<IReadOnlyList<Pair>> AllCases = new(LoadCases);
    private static readonly Lazy<JsonElement> Expected = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "metrics", "expected.json"))).RootElement);

    public sealed record Pair(string Id, string Prediction, string Reference);

    /// <summary>Every fixture pair, once without and once with stemming.</summary>
    public static TheoryData<string, bool> CaseIds()
    {
        var data = new TheoryData<string, bool>();
        foreach (var c in AllCases.Value)
        {
            data.Add(c.Id, false);
            data.Add(c.Id, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Every_fixture_pair_matches_rouge_score(string id, bool stem)
    {
        var c = AllCases.Value.Single(x => x.Id == id);
        var expected = Expected.Value.GetProperty("pairs").GetProperty(id);
        AssertScores(expected, stem ? "_stem" : "", Rouge.Score(c.Prediction, c.Reference, stem));
    }

    [Theory]
    [InlineData(false, "")]
    [InlineData(true, "_stem")]
    public void Corpus_means_match(bool stem, string suffix)
    {
        var corpus = Expected.Value.GetProperty("corpus");
        var scores = AllCases.Value.Select(c => Rouge.Score(c.Prediction, c.Reference, stem)).ToList();
        Assert.Equal(corpus.GetProperty("n_pairs").GetInt32(), scores.Count);
        AssertMean(corpus, "rouge1" + suffix, scores.Select(s => s.Rouge1));
        AssertMean(corpus, "rouge2" + suffix, scores.Select(s => s.Rouge2));
        AssertMean(corpus, "rougeL" + suffix, scores.Select(s => s.RougeL));
        AssertMean(corpus, "rougeLsum" + suffix, scores.Select(s => s.RougeLsum));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("", "the cat")]
    [InlineData("the cat", "")]
    [InlineData("!!!", "!!!")]
    [InlineData("猫が好き", "猫が好き")]
    public void Texts_without_tokens_score_zero(string prediction, string reference)
    {
        Assert.Equal(new RougeScores(0, 0, 0, 0), Rouge.Score(prediction, reference, stem: false));
        Assert.Equal(new RougeScores(0, 0, 0, 0), Rouge.Score(prediction, reference, stem: true));
    }

    [Fact]
    public void Identical_texts_score_one()
    {
        Assert.Equal(new RougeScores(1, 1, 1, 1), Rouge.Score("The cat sat.", "the CAT sat", stem: false));
    }

    [Fact]
    public void RougeL_uses_the_longest_common_subsequence()
    {
        // LCS of "a b c d e" and "a x c y e" is "a c e": P = R = F = 3/5; one bigram in common? none.
        var scores = Rouge.Score("a x c y e", "a b c d e", stem: false);
        Assert.Equal(0.6, scores.Rouge1, Tolerance);
        Assert.Equal(0.0, scores.Rouge2, Tolerance);
        Assert.Equal(0.6, scores.RougeL, Tolerance);
    }

    [Fact]
    public void RougeLsum_unions_lcs_across_lines_and_clips_hits()
    {
        // Reference line "a b c d e" against prediction lines "a b" and "d e": union of LCS positions
        // {a, b} ∪ {d, e} gives 4 hits; P = 4/4, R = 4/5.
        var scores = Rouge.Score("a b\nd e", "a b c d e", stem: false);
        Assert.Equal(2 * 1.0 * 0.8 / 1.8, scores.RougeLsum, Tolerance);
        // Without line splits the prediction "a b d e" has the same LCS, so rougeL agrees here.
        Assert.Equal(2 * 1.0 * 0.8 / 1.8, scores.RougeL, Tolerance);
        // Clipping: the reference "a a" has two 'a's in two lines, the prediction only one.
        Assert.Equal(2 * 1.0 * 0.5 / 1.5, Rouge.Score("a", "a\na", stem: false).RougeLsum, Tolerance);
    }

    [Fact]
    public void Tokenizer_follows_python_lowercasing()
    {
        // Kelvin sign lowercases to 'k'; U+0130 to "i" + a combining dot, which splits the word.
        Assert.Equal(["kelvin", "i", "stanbul", "caf", "x"], RougeTokenizer.Tokenize("\u212Aelvin \u0130stanbul café_x", stem: false));
    }

    [Fact]
    public void Stemming_touches_only_tokens_longer_than_three_characters()
    {
        // "dies" (4) is stemmed to "die"; "ties" → "tie" as well; "was" (3) is kept although Porter would cut it to "wa".
        Assert.Equal(["die", "tie", "was", "run"], RougeTokenizer.Tokenize("Dies ties was running", stem: true));
        // the, cat, run match; "were" (kept by step 5a) does not match "was": P = R = 3/4.
        Assert.Equal(0.75, Rouge.Score("the cats were running", "the cat was run", stem: true).Rouge1, Tolerance);
    }

    private static void AssertScores(JsonElement expected, string suffix, RougeScores actual)
    {
        Assert.Equal(expected.GetProperty("rouge1" + suffix).GetDouble(), actual.Rouge1, Tolerance);
        Assert.Equal(expected.GetProperty("rouge2" + suffix).GetDouble(), actual.Rouge2, Tolerance);
        Assert.Equal(expected.GetProperty("rougeL" + suffix).GetDouble(), actual.RougeL, Tolerance);
        Assert.Equal(expected.GetProperty("rougeLsum" + suffix).GetDouble(), actual.RougeLsum, Tolerance);
    }

    private static void AssertMean(JsonElement corpus, string key, IEnumerable<double> values)
    {
        // Upstream's mean: a sequential sum in file order, divided once.
        var list = values.ToList();
        var sum = 0.0;
        foreach (var v in list) sum += v;
        Assert.Equal(corpus.GetProperty(key).GetDouble(), sum / list.Count, Tolerance);
    }

    private static List<Pair> LoadCases()
    {
        var options = new JsonSerializerOptions { PropertyNameCaseInsensitive = true };
        var cases = File.ReadLines(Path.Combine(Fixtures.Root, "metrics", "cases.jsonl"))
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<Pair>(line, options)
                ?? throw new InvalidDataException($"bad case line: {line}"))
            .ToList();
        Assert.NotEmpty(cases);
        return cases;
    }
}
