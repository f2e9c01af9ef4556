using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cora.Training.Tokenizers;

/// <summary>
/// The zoo's tokenizer: one token per UTF-8 byte, so any text round-trips exactly with a vocabulary
/// of 259 (Llama's &lt;unk&gt;=0, &lt;s&gt;=1, &lt;/s&gt;=2, then &lt;0x00&gt;…&lt;0xFF&gt; as ids 3…258, which are
/// also Llama-2's own ids for those bytes).
/// </summary>
/// <remarks>
/// It is stored as an ordinary Hugging Face tokenizer.json — a BPE model with no merges and
/// byte_fallback on, no normalizer or pre-tokenizer (a space is the byte token &lt;0x20&gt;, not '▁'),
/// decoder ByteFallback + Fuse, post_processor prepending &lt;s&gt; — so a zoo checkpoint loads in
/// transformers' AutoTokenizer and in Cora through the same code as Llama-2's tokenizer.
/// </remarks>
public static class ByteTokenizer
{
    public const int VocabSize = 3 + 256;
    public const string Unk = "<unk>";
    public const string Bos = "<s>";
    public const string Eos = "</s>";

    /// <summary>The tokenizer.json document.</summary>
    public static JsonObject TokenizerJson()
    {
        var vocab = new JsonObject { [Unk] = 0, [Bos] = 1, [Eos] = 2 };
        for (var b = 0; b < 256; b++) vocab[BpeModel.ByteToken(b)] = 3 + b;
        var added = new JsonArray();
        foreach (var (id, content) in new[] { (0, Unk), (1, Bos), (2, Eos) })
        {
            added.Add(new JsonObject
            {
                ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        }
        JsonObject Special(string token, int typeId) => new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = typeId } };
        JsonObject Sequence(string name, int typeId) => new() { ["Sequence"] = new JsonObject { ["id"] = name, ["type_id"] = typeId } };
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = null,
            ["pre_tokenizer"] = null,
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(Special(Bos, 0), Sequence("A", 0)),
                ["pair"] = new JsonArray(Special(Bos, 0), Sequence("A", 0), Special(Bos, 1), Sequence("B", 1)),
                ["special_tokens"] = new JsonObject
                {
                    [Bos] = new JsonObject { ["id"] = Bos, ["ids"] = new JsonArray(1), ["tokens"] = new JsonArray(Bos) },
                },
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(new JsonObject { ["type"] = "ByteFallback" }, new JsonObject { ["type"] = "Fuse" }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = Unk, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = true, ["byte_fallback"] = true,
                ["ignore_merges"] = false, ["vocab"] = vocab, ["merges"] = new JsonArray(),
            },
        };
    }

    /// <summary>The tokenizer_config.json that goes beside it (what transformers reads for BOS/EOS).</summary>
    public static JsonObject TokenizerConfigJson() => new()
    {
        ["tokenizer_class"] = "PreTrainedTokenizerFast",
        ["bos_token"] = Bos,
        ["eos_token"] = Eos,
        ["unk_token"] = Unk,
        ["pad_token"] = null,
        ["add_bos_token"] = true,
        ["add_eos_token"] = false,
        ["clean_up_tokenization_spaces"] = false,
    };

    /// <summary>Writes tokenizer.json and tokenizer_config.json into <paramref name="dir"/> (created if needed).</summary>
    public static void Save(string dir)
    {
        Directory.CreateDirectory(dir);
        WriteAtomically(Path.Combine(dir, HfTokenizer.FileName), TokenizerJson());
        WriteAtomically(Path.Combine(dir, TokenizerConfig.ConfigFile), TokenizerConfigJson());
    }

    /// <summary>The byte tokenizer, built from the same documents that <see cref="Save"/> writes.</summary>
    public static CoraTokenizer Create()
    {
        var config = new TokenizerConfig();
        using (var configJson = JsonDocument.Parse(TokenizerConfigJson().ToJsonString()))
            config.Apply(configJson.RootElement, "ByteTokenizer " + TokenizerConfig.ConfigFile, readsAddBos: true);
        using var json = JsonDocument.Parse(TokenizerJson().ToJsonString());
        return HfTokenizer.Parse(json.RootElement, "ByteTokenizer " + HfTokenizer.FileName, config);
    }

    // Readers (other nodes, a crash mid-write) see the old file or the new one, never half of one.
    private static void WriteAtomically(string path, JsonObject json)
    {
        var temp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        File.WriteAllText(temp, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temp, path, overwrite: true);
    }
}
