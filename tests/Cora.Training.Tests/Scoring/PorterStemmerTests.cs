using Cora.Training.Scoring;

namespace Cora.Training.Tests.Scoring;

/// <summary>NLTK 3.8 <c>PorterStemmer()</c> (NLTK_EXTENSIONS) on the classic examples and NLTK's own departures.</summary>
public class PorterStemmerTests
{
    [Theory]
    [InlineData("caresses", "caress")]
    [InlineData("ponies", "poni")]
    [InlineData("cats", "cat")]
    [InlineData("caress", "caress")]
    [InlineData("feed", "feed")]
    [InlineData("agreed", "agre")]
    [InlineData("disabled", "disabl")]
    [InlineData("matting", "mat")]
    [InlineData("mating", "mate")]
    [InlineData("meeting", "meet")]
    [InlineData("milling", "mill")]
    [InlineData("messing", "mess")]
    [InlineData("meetings", "meet")]
    [InlineData("happy", "happi")]
    [InlineData("enjoy", "enjoy")]
    [InlineData("generously", "gener")]
    // NLTK_EXTENSIONS: the irregular pool and the 4-letter "ies"/"ied" rules.
    [InlineData("dying", "die")]
    [InlineData("skies", "sky")]
    [InlineData("news", "news")]
    [InlineData("proceed", "proceed")]
    [InlineData("dies", "die")]
    [InlineData("died", "die")]
    [InlineData("flies", "fli")]
    [InlineData("spied", "spi")]
    [InlineData("by", "by")]
    public void Stems_like_nltk(string word, string expected) => Assert.Equal(expected, PorterStemmer.Stem(word));
}
