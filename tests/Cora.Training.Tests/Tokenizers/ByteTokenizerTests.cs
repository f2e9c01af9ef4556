using System.Text;
using System.Text.Json;
using Cora.Training.Tokenizers;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>The zoo's byte tokenizer: saved with a checkpoint, reloaded, exact round trips.</summary>
public sealed class ByteTokenizerTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Texts => new()
    {
        "",
        "hello world",
        "  two leading spaces, a trailing one ",
        "line one\nline two\r\n\ttabbed",
        "镇 llama 🦙 Ꙋ — naïve café",
        "日本語のテキストと한국어",
        "emoji: 👩‍👩‍👧 🏳️‍🌈 \u0000 control",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Saved_tokenizer_reloads_and_round_trips_exactly(string text)
    {
        ByteTokenizer.Save(_temp.Path);
        var tokenizer = TokenizerLoader.Load(_temp.Path);

        var encoding = tokenizer.Encode(text);

        var expected = new[] { 1 }.Concat(Encoding.UTF8.GetBytes(text).Select(b => b + 3)).ToArray();
        Assert.Equal(expected, encoding.Ids);
        Assert.Equal(text, tokenizer.Decode(encoding.Ids));
        Assert.Equal(encoding.Ids, ByteTokenizer.Create().Encode(text).Ids);
    }

    [Fact]
    public void Special_tokens_and_pieces_use_llama_ids()
    {
        var tokenizer = ByteTokenizer.Create();

        Assert.Equal(259, tokenizer.VocabSize);
        Assert.Equal((1, 2, (int?)null), (tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
        Assert.Equal(("<s>", "</s>"), (tokenizer.BosToken, tokenizer.EosToken));
        var encoding = tokenizer.Encode("a é", addBos: false);
        Assert.Equal(new[] { 0x61 + 3, 0x20 + 3, 0xC3 + 3, 0xA9 + 3 }, encoding.Ids);
        Assert.Equal(new[] { "<0x61>", "<0x20>", "<0xC3>", "<0xA9>" }, encoding.Pieces);
        Assert.Equal("<s>", tokenizer.Encode("a").Pieces[0]);
    }

    [Fact]
    public void Decode_skips_special_tokens_unless_asked_and_marks_broken_utf8()
    {
        var tokenizer = ByteTokenizer.Create();
        int[] ids = [1, 0x68 + 3, 0x69 + 3, 2];

        Assert.Equal("hi", tokenizer.Decode(ids));
        Assert.Equal("<s>hi</s>", tokenizer.Decode(ids, skipSpecial: false));
        // 0xC3 alone is half a character: HF's ByteFallback decoder gives U+FFFD for it.
        Assert.Equal("a\uFFFD", tokenizer.Decode([0x61 + 3, 0xC3 + 3]));
    }

    [Fact]
    public void Saved_files_are_a_plain_hf_bpe_tokenizer_with_byte_fallback()
    {
        ByteTokenizer.Save(_temp.Path);

        using var json = JsonDocument.Parse(File.ReadAllText(_temp.File("tokenizer.json")));
        var root = json.RootElement;
        var model = root.GetProperty("model");
        Assert.Equal("BPE", model.GetProperty("type").GetString());
        Assert.True(model.GetProperty("byte_fallback").GetBoolean());
        Assert.Equal(0, model.GetProperty("merges").GetArrayLength());
        Assert.Equal(259, model.GetProperty("vocab").EnumerateObject().Count());
        Assert.Equal(3, model.GetProperty("vocab").GetProperty("<0x00>").GetInt32());
        Assert.Equal(258, model.GetProperty("vocab").GetProperty("<0xFF>").GetInt32());
        Assert.Equal(JsonValueKind.Null, root.GetProperty("normalizer").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("pre_tokenizer").ValueKind);
        using var config = JsonDocument.Parse(File.ReadAllText(_temp.File("tokenizer_config.json")));
        Assert.Equal("<s>", config.RootElement.GetProperty("bos_token").GetString());
        Assert.Equal("</s>", config.RootElement.GetProperty("eos_token").GetString());
        Assert.Empty(Directory.GetFiles(_temp.Path, "*.tmp-*"));
    }
}
