using Cora.Training.Tokenizers;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>
/// Llama-2's vocabulary and merges (llama-tokenizer-js@1.2.2) against the cases published with
/// them, through both file formats: tokenizer.json (Cora's BPE) and tokenizer.model
/// (Microsoft.ML.Tokenizers' SentencePiece BPE).
/// </summary>
public sealed class LlamaTwoTokenizerTests
{
    private static readonly Lazy<CoraTokenizer> FromJson = new(() => TokenizerLoader.Load(RealTokenizers.LlamaTwoJsonDir()));
    private static readonly Lazy<CoraTokenizer> FromModel = new(() => TokenizerLoader.Load(RealTokenizers.LlamaTwoModelDir()));

    [Theory]
    [MemberData(nameof(TokenizerCases.LlamaTwo), MemberType = typeof(TokenizerCases))]
    public void Tokenizer_json_encodes_published_cases(string text, int[] expected)
    {
        var encoding = FromJson.Value.Encode(text);

        Assert.Equal(expected, encoding.Ids);
        Assert.Equal(text, FromJson.Value.Decode(encoding.Ids));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.LlamaTwo), MemberType = typeof(TokenizerCases))]
    public void Tokenizer_model_encodes_published_cases(string text, int[] expected)
    {
        Assert.IsType<SentencePieceModelTokenizer>(FromModel.Value);
        var encoding = FromModel.Value.Encode(text);

        Assert.Equal(expected, encoding.Ids);
        Assert.Equal(text, FromModel.Value.Decode(encoding.Ids));
    }

    [Fact]
    public void Both_formats_agree_on_special_tokens_and_pieces()
    {
        foreach (var tokenizer in new[] { FromJson.Value, FromModel.Value })
        {
            Assert.Equal(32000, tokenizer.VocabSize);
            Assert.Equal((1, 2), (tokenizer.BosId, tokenizer.EosId));
            Assert.Equal(new[] { "<s>", "▁", "▁gra", "bb", "ed", "<0x0A>" }, tokenizer.Encode(" grabbed\n").Pieces);
        }
    }

    // The decode cases of llama-tokenizer.js whose flags mean what HF's decoder does: it always
    // strips the one leading space that encoding added, and leaves <s> in when not skipping.
    [Theory]
    [InlineData(new[] { 1, 2646, 1327, 287 }, true, "grabbed")]
    [InlineData(new[] { 1, 2646, 1327, 287 }, false, "<s> grabbed")]
    [InlineData(new[] { 2646, 1327, 287 }, true, "grabbed")]
    public void Tokenizer_json_decodes_published_cases(int[] ids, bool skipSpecial, string expected)
    {
        Assert.Equal(expected, FromJson.Value.Decode(ids, skipSpecial));
    }

    [Fact]
    public void Without_bos_nothing_is_prepended()
    {
        Assert.Equal(new[] { 2646, 1327, 287 }, FromJson.Value.Encode("grabbed", addBos: false).Ids);
        Assert.Equal(new[] { 2646, 1327, 287 }, FromModel.Value.Encode("grabbed", addBos: false).Ids);
    }
}
