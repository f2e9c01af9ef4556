using System.Text.Json;
using Cora.Training.Scoring;

namespace Cora.Training.Tests.Scoring;

/// <summary>
/// METEOR against <c>tests/fixtures/metrics</c>: numbers produced by calling NLTK 3.8's
/// <c>meteor_score</c> itself (WordNet 3.0), matched to 1e-6 for every pair and for the corpus mean,
/// plus the tokenizer rules and WordNet facts the fixtures' README states.
/// </summary>
public class MeteorTests
{
    private const double Tolerance = 1e-6;

    private static readonly Lazy<IReadOnlyList<RougeTests.Pair>> AllCases = new(() =>
        File.ReadLines(Path.Combine(Fixtures.Root, "metrics", "cases.jsonl"))
            .Where(l => l.Length > 0)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Select(e => new RougeTests.Pair(e.GetProperty("id").GetString()!, e.GetProperty("prediction").GetString()!, e.GetProperty("reference").GetString()!))
            .ToList());

    private static readonly Lazy<JsonElement> Expected = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.Root, "metrics", "expected.json"))).RootElement);

    public static TheoryData<string> CaseIds() => new(AllCases.Value.Select(c => c.Id));

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Every_fixture_pair_matches_nltk(string id)
    {
        var c = AllCases.Value.Single(x => x.Id == id);
        var expected = Expected.Value.GetProperty("pairs").GetProperty(id).GetProperty("meteor").GetDouble();
        Assert.Equal(expected, Meteor.Score(c.Prediction, c.Reference), Tolerance);
    }

    [Fact]
    public void Corpus_mean_matches()
    {
        var corpus = Expected.Value.GetProperty("corpus");
        var scores = AllCases.Value.Select(c => Meteor.Score(c.Prediction, c.Reference)).ToList();
        Assert.Equal(corpus.GetProperty("n_pairs").GetInt32(), scores.Count);
        Assert.Equal(corpus.GetProperty("meteor").GetDouble(), Evaluation.Mean(scores), Tolerance);
    }

    [Theory]
    [InlineData("I don't know.", "I|do|n't|know|.")]
    [InlineData("We cannot go", "We|can|not|go")]
    [InlineData("gonna win", "gon|na|win")]
    [InlineData("He said \"hi\" to me", "He|said|``|hi|''|to|me")]
    [InlineData("\"Quoted\" start", "``|Quoted|''|start")]
    [InlineData("“curly” and «guillemets»", "“|curly|”|and|«|guillemets|»")]
    [InlineData("Wait... what", "Wait|...|what")]
    [InlineData("New York. Then home.", "New|York.|Then|home|.")]
    [InlineData("1,000 apples, 2 pears: 3:30", "1,000|apples|,|2|pears|:|3:30")]
    [InlineData("a;b@c#d$e%f&g?h!i*j", "a|;|b|@|c|#|d|$|e|%|f|&|g|?|h|!|i|*|j")]
    [InlineData("(x) [y] {z} <w> a--b", "(|x|)|[|y|]|{|z|}|<|w|>|a|--|b")]
    [InlineData("it's John's", "it|'s|John|'s")]
    [InlineData("a\u00A0b\u2028c\u3000d\u001Ce", "a|b|c|d|e")]
    [InlineData("", "")]
    public void Tokenizes_as_nltk_word_tokenize(string text, string tokens)
    {
        Assert.Equal(tokens.Length == 0 ? [] : tokens.Split('|'), NltkWordTokenizer.Tokenize(text));
    }

    [Theory]
    [InlineData("car", "auto")]
    [InlineData("fast", "quick")]
    [InlineData("begin", "start")]
    [InlineData("ill", "sick")]
    [InlineData("ran", "run")]
    public void WordNet_synonyms_match(string word, string synonym)
    {
        Assert.Contains(synonym, WordNet.SynonymsOf(word));
        Assert.Equal(0.5, Meteor.Score(word, synonym), Tolerance);
    }

    [Theory]
    [InlineData("big", "large")]
    [InlineData("car", "automobile")]
    public void Stems_that_are_not_synonyms_do_not_match(string prediction, string reference)
    {
        // "large" is a synonym of "big", but METEOR compares stems: "larg" is not.
        Assert.Equal(0.0, Meteor.Score(prediction, reference));
    }

    [Fact]
    public void Synonyms_leave_out_multiword_lemmas_and_unknown_words_have_none()
    {
        Assert.DoesNotContain(WordNet.SynonymsOf("car"), n => n.Contains('_'));
        Assert.Empty(WordNet.SynonymsOf("qwxzv"));
        Assert.Contains("child", WordNet.SynonymsOf("children"));       // noun.exc
        Assert.Contains("dog", WordNet.SynonymsOf("dogs"));             // detachment rule
    }

    [Theory]
    [InlineData("the cat sat on the mat", 6)]
    [InlineData("hello", 1)]
    [InlineData("The Cat SAT .", 4)]
    public void Identical_texts_score_one_minus_the_fragmentation_penalty(string text, int m)
    {
        Assert.Equal(1 - 0.5 / Math.Pow(m, 3), Meteor.Score(text, text), 1e-12);
    }

    [Theory]
    [InlineData("", "the cat")]
    [InlineData("the cat", "")]
    [InlineData("", "")]
    [InlineData("dog", "cat")]
    public void Division_by_zero_scores_zero(string prediction, string reference)
    {
        Assert.Equal(0.0, Meteor.Score(prediction, reference));
    }
}
