using Cora.Training.Tokenizers;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>
/// BERT's slow tokenizer pinned with the cases of transformers' own tests
/// (tests/models/bert/test_tokenization_bert.py) and their "classic" test vocabulary.
/// </summary>
public sealed class WordPieceTokenizerTests : IDisposable
{
    private static readonly string[] Vocab =
        ["[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]", "want", "##want", "##ed", "wa", "un", "runn", "##ing", ",", "low", "lowest"];

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Full_tokenizer_case_of_transformers()
    {
        var tokenizer = new WordPieceTokenizer(Vocab);
        var encoding = tokenizer.Encode("UNwant\u00E9d,running");
        Assert.Equal(["un", "##want", "##ed", ",", "runn", "##ing"], encoding.Pieces);
        Assert.Equal([9, 6, 7, 12, 10, 11], encoding.Ids);
        Assert.Equal("unwanted , running", tokenizer.Decode(encoding.Ids));   // convert_tokens_to_string, no clean-up
    }

    [Theory]
    [InlineData(true, null, " \tHeLLo!how  \n Are yoU?  ", "hello ! how are you ?")]
    [InlineData(true, null, "H\u00E9llo", "hello")]
    [InlineData(false, null, " \tHeLLo!how  \n Are yoU?  ", "HeLLo ! how Are yoU ?")]
    [InlineData(true, false, " \tH\u00E4LLo!how  \n Are yoU?  ", "h\u00E4llo ! how are you ?")]
    [InlineData(true, false, "H\u00E9llo", "h\u00E9llo")]
    [InlineData(false, true, " \tH\u00E4LLo!how  \n Are yoU?  ", "HaLLo ! how Are yoU ?")]
    [InlineData(true, null, "ah\u535A\u63A8zz", "ah \u535A \u63A8 zz")]
    [InlineData(true, null, "a\u0000b\uFFFDc\u0007d", "abcd")]
    [InlineData(true, null, "\u0130stanbul \u039F\u0394\u039F\u03A3", "istanbul \u03BF\u03B4\u03BF\u03C2")]
    [InlineData(true, null, "\uD55C\uAD6D", "\u1112\u1161\u11AB\u1100\u116E\u11A8")]
    public void Basic_tokenizer_cases(bool lower, bool? strip, string text, string words)
    {
        var tokenizer = new WordPieceTokenizer(Vocab, lower, strip);
        Assert.Equal(words.Split(' '), tokenizer.BasicTokenize(text));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("unwanted running", "un ##want ##ed runn ##ing")]
    [InlineData("unwantedX running", "[UNK] runn ##ing")]
    [InlineData("lowest low", "lowest low")]
    [InlineData("[CLS] want[SEP]", "[CLS] want [SEP]")]
    public void Wordpiece_cases(string text, string pieces)
    {
        var tokenizer = new WordPieceTokenizer(Vocab);
        Assert.Equal(pieces.Length == 0 ? [] : pieces.Split(' '), tokenizer.Encode(text).Pieces);
    }

    [Fact]
    public void A_word_of_more_than_100_characters_is_unknown()
    {
        var tokenizer = new WordPieceTokenizer([.. Vocab, "a", "##a"]);
        Assert.Equal(100, tokenizer.Encode(new string('a', 100)).Ids.Count);
        Assert.Equal(["[UNK]"], tokenizer.Encode(new string('a', 101)).Pieces);
    }

    [Fact]
    public void Loads_vocab_txt_with_tokenizer_config()
    {
        File.WriteAllText(_temp.File("vocab.txt"), string.Join('\n', Vocab) + "\n");
        File.WriteAllText(_temp.File("tokenizer_config.json"), "{\"do_lower_case\": false}");
        var tokenizer = WordPieceTokenizer.Load(_temp.Path);
        Assert.Equal(Vocab.Length, tokenizer.VocabSize);
        Assert.Equal(["[UNK]", "runn", "##ing"], tokenizer.Encode("UNwanted running").Pieces);
        Assert.Equal((1, 2), (tokenizer.ClsId, tokenizer.SepId));
    }

    [Fact]
    public void Missing_vocabulary_and_unknown_token_are_named()
    {
        Assert.Contains("no vocab.txt", Assert.Throws<InvalidInputException>(() => WordPieceTokenizer.Load(_temp.Path)).Message);
        File.WriteAllText(_temp.File("vocab.txt"), "a\nb\n");
        Assert.Contains("no [UNK] token", Assert.Throws<InvalidInputException>(() => WordPieceTokenizer.Load(_temp.Path)).Message);
    }
}
