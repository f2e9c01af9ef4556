using Cora.Training.Scoring;

namespace Cora.Training.Tests.Scoring;

/// <summary>The 13a tokenizer on the cases the fixture README spells out.</summary>
public sealed class Tokenizer13aTests
{
    public static TheoryData<string, string[]> Cases => new()
    {
        { "", [] },
        { " \t\n ", [] },
        { "Hello, world!", ["Hello", ",", "world", "!"] },
        { "a &amp;lt; b", ["a", "<", "b"] },
        { "&quot;hi&quot; &gt; &lt;", ["\"", "hi", "\"", ">", "<"] },
        { "&lt;no ampersand entity", ["<", "no", "ampersand", "entity"] },
        { "well-\nknown words\nhere", ["wellknown", "words", "here"] },
        { "ends with a dash-\n", ["ends", "with", "a", "dash-"] },
        { "x <skipped> y", ["x", "y"] },
        { "1,000.50 and 3-4 items.", ["1,000.50", "and", "3", "-", "4", "items", "."] },
        { "e.g. a,b .5 5.", ["e", ".", "g", ".", "a", ",", "b", ".", "5", "5", "."] },
        { "state-of-the-art don't", ["state-of-the-art", "don't"] },
        { "f(x)=[y]{z}~`@#$%^&*_+|\\/?:;<>", ["f", "(", "x", ")", "=", "[", "y", "]", "{", "z", "}", "~", "`", "@", "#", "$", "%", "^", "&", "*", "_", "+", "|", "\\", "/", "?", ":", ";", "<", ">"] },
        { "日本語のテキスト。中文", ["日本語のテキスト。中文"] },
        { "a\u001Cb\u001Fc\u0085d\u00A0e\u2028f\u3000g", ["a", "b", "c", "d", "e", "f", "g"] },
        { "zero\u200Bwidth", ["zero\u200Bwidth"] },
        { "Case Stays", ["Case", "Stays"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Tokenizes_like_sacrebleu(string text, string[] expected)
    {
        Assert.Equal(expected, Tokenizer13a.Tokenize(text));
    }
}
