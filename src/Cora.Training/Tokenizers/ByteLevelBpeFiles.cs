using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cora.Training.Tokenizers;

/// <summary>
/// The slow GPT-2 / RoBERTa tokenizer files, <c>vocab.json</c> + <c>merges.txt</c>, read as the
/// tokenizer.json they are equivalent to: a BPE model over GPT-2's byte alphabet behind a ByteLevel
/// pre-tokenizer (GPT-2's regex), so the BPE code is <see cref="HfTokenizer"/>'s.
/// </summary>
/// <remarks>
/// The pre-tokenizer adds no prefix space: RobertaTokenizer's <c>add_prefix_space</c> puts one
/// space before the whole text, once (callers that want it prepend it), not one before every
/// piece between special tokens. The special tokens "&lt;s&gt;", "&lt;pad&gt;", "&lt;/s&gt;",
/// "&lt;unk&gt;" and "&lt;mask&gt;" (the last with lstrip, as RobertaTokenizer declares it) are
/// matched in the text as added tokens where the vocabulary has them.
/// </remarks>
public static class ByteLevelBpeFiles
{
    public const string VocabFileName = "vocab.json";
    public const string MergesFileName = "merges.txt";

    /// <summary>True when <paramref name="directory"/> has both files.</summary>
    public static bool Exist(string directory) =>
        File.Exists(Path.Combine(directory, VocabFileName)) && File.Exists(Path.Combine(directory, MergesFileName));

    /// <summary>Loads vocab.json and merges.txt from <paramref name="directory"/>; errors name the file.</summary>
    public static HfTokenizer Load(string directory)
    {
        var vocabPath = Path.Combine(directory, VocabFileName);
        var mergesPath = Path.Combine(directory, MergesFileName);
        // The JsonObject reads the document lazily: it must outlive every use of vocab.
        using var document = HfJson.Parse(vocabPath);
        var vocab = document.RootElement.ValueKind == JsonValueKind.Object
            ? JsonObject.Create(document.RootElement)!
            : throw new InvalidInputException($"{vocabPath}: expected a JSON object of token → id.");
        var merges = new JsonArray();
        if (!File.Exists(mergesPath)) throw new InvalidInputException($"{mergesPath}: no such file.");
        var lines = File.ReadAllLines(mergesPath);
        for (var i = 0; i < lines.Length; i++)
        {
            // As the slow tokenizer: the "#version" header is not a merge, nor is an empty line.
            if (lines[i].Length == 0 || (i == 0 && lines[i].StartsWith("#version", StringComparison.Ordinal))) continue;
            var parts = lines[i].Split(' ');
            if (parts.Length != 2) throw new InvalidInputException($"{mergesPath}: line {i + 1} is not two tokens separated by one space: '{lines[i]}'.");
            merges.Add(new JsonArray(parts[0], parts[1]));
        }

        var added = new JsonArray();
        foreach (var (content, lstrip) in new[] { ("<s>", false), ("<pad>", false), ("</s>", false), ("<unk>", false), ("<mask>", true) })
        {
            if (vocab[content] is not JsonValue id) continue;
            added.Add(new JsonObject
            {
                ["id"] = id.GetValue<int>(), ["content"] = content, ["single_word"] = false, ["lstrip"] = lstrip,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        }
        var model = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = merges };
        if (vocab.ContainsKey("<unk>")) model["unk_token"] = "<unk>";
        var tokenizer = new JsonObject
        {
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = model,
        };
        using var json = JsonDocument.Parse(tokenizer.ToJsonString());
        return HfTokenizer.Parse(json.RootElement, $"{vocabPath} + {MergesFileName}", TokenizerConfig.Read(directory));
    }
}
