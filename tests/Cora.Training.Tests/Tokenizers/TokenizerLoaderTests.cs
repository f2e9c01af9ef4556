using System.Text.Json.Nodes;
using Cora.Training.Tokenizers;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>Which file TokenizerLoader picks, and how it reports what it cannot use.</summary>
public sealed class TokenizerLoaderTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string PathOf(string name) => _temp.File(name);

    private void WriteTokenizerJson(Action<JsonObject> edit)
    {
        var json = ByteTokenizer.TokenizerJson();
        edit(json);
        File.WriteAllText(PathOf("tokenizer.json"), json.ToJsonString());
    }

    [Fact]
    public void Missing_directory_is_named()
    {
        var missing = PathOf("nope");

        var e = Assert.Throws<InvalidInputException>(() => TokenizerLoader.Load(missing));

        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_without_tokenizer_names_the_files_it_looked_for()
    {
        var e = Assert.Throws<InvalidInputException>(() => TokenizerLoader.Load(_temp.Path));

        Assert.Contains(_temp.Path, e.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("tokenizer.model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tokenizer_json_wins_over_tokenizer_model()
    {
        ByteTokenizer.Save(_temp.Path);
        File.Copy(Path.Combine(RealTokenizers.LlamaTwoModelDir(), "tokenizer.model"), PathOf("tokenizer.model"));

        var tokenizer = TokenizerLoader.Load(_temp.Path);

        Assert.IsType<HfTokenizer>(tokenizer);
        Assert.Equal(259, tokenizer.VocabSize);
    }

    [Theory]
    [InlineData("model", """{"type": "WordPiece", "vocab": {}}""", "WordPiece")]
    [InlineData("pre_tokenizer", """{"type": "Whitespace"}""", "Whitespace")]
    [InlineData("normalizer", """{"type": "NFKC"}""", "NFKC")]
    [InlineData("decoder", """{"type": "WordPiece"}""", "WordPiece")]
    // Every post-processor type of HF tokenizers is supported: a future one stands in.
    [InlineData("post_processor", """{"type": "FutureProcessing"}""", "FutureProcessing")]
    public void Unsupported_component_names_file_and_value(string component, string value, string named)
    {
        WriteTokenizerJson(json => json[component] = JsonNode.Parse(value));

        var e = Assert.Throws<InvalidInputException>(() => TokenizerLoader.Load(_temp.Path));

        Assert.Contains(PathOf("tokenizer.json"), e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{named}'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Roberta_processing_names_its_cls_and_sep_as_bos_and_eos()
    {
        WriteTokenizerJson(json => json["post_processor"] = JsonNode.Parse(
            """{"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 1], "trim_offsets": true, "add_prefix_space": false}"""));

        var tokenizer = TokenizerLoader.Load(_temp.Path);

        Assert.Equal(("<s>", "</s>"), (tokenizer.BosToken, tokenizer.EosToken));
    }

    [Fact]
    public void Malformed_json_names_the_file()
    {
        File.WriteAllText(PathOf("tokenizer.json"), "{\"model\": ");

        var e = Assert.Throws<InvalidInputException>(() => TokenizerLoader.Load(_temp.Path));

        Assert.Contains(PathOf("tokenizer.json"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_tokenizer_model_names_the_file()
    {
        File.WriteAllBytes(PathOf("tokenizer.model"), [0xFF, 0xFF, 0xFF, 0x01, 0x02]);

        var e = Assert.Throws<InvalidInputException>(() => TokenizerLoader.Load(_temp.Path));

        Assert.Contains(PathOf("tokenizer.model"), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Config_files_decide_special_tokens_and_special_tokens_map_wins()
    {
        ByteTokenizer.Save(_temp.Path);
        File.WriteAllText(PathOf("tokenizer_config.json"),
            """{"bos_token": "<s>", "eos_token": "<unk>", "pad_token": "</s>", "add_bos_token": false}""");
        File.WriteAllText(PathOf("special_tokens_map.json"), """{"eos_token": {"content": "</s>"}}""");

        var tokenizer = TokenizerLoader.Load(_temp.Path);

        Assert.Equal((1, 2, 2), (tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
        Assert.Equal(new[] { 0x61 + 3 }, tokenizer.Encode("a").Ids);
    }

    [Fact]
    public void Without_config_files_bos_and_eos_come_from_the_post_processor_template()
    {
        WriteTokenizerJson(json => json["post_processor"] = JsonNode.Parse("""
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                        {"SpecialToken": {"id": "</s>", "type_id": 0}}],
             "special_tokens": {}}
            """));

        var tokenizer = TokenizerLoader.Load(_temp.Path);

        Assert.Equal((1, 2), (tokenizer.BosId, tokenizer.EosId));
        // EOS of the template is not added: Cora appends EOS where a training sequence ends.
        Assert.Equal(new[] { 1, 0x61 + 3 }, tokenizer.Encode("a").Ids);
    }

    [Fact]
    public void Config_naming_a_token_outside_the_vocabulary_is_rejected()
    {
        ByteTokenizer.Save(_temp.Path);
        File.WriteAllText(PathOf("tokenizer_config.json"), """{"eos_token": "<|im_end|>"}""");

        var e = Assert.Throws<InvalidInputException>(() => TokenizerLoader.Load(_temp.Path));

        Assert.Contains(PathOf("tokenizer_config.json"), e.Message, StringComparison.Ordinal);
        Assert.Contains("<|im_end|>", e.Message, StringComparison.Ordinal);
    }
}
