using System.Globalization;
using System.Text.Json;

namespace Cora.Training.Tokenizers;

/// <summary>
/// The "model" of a tokenizer.json when its type is BPE, with Hugging Face's semantics: a word
/// starts as one symbol per character (a character missing from the vocabulary becomes its UTF-8
/// byte tokens "&lt;0xXX&gt;" under byte_fallback, else the unknown token); then, repeatedly, the
/// adjacent pair with the lowest merge rank is merged, leftmost first among equal ranks.
/// SentencePiece-style files (Llama-2, Mistral) and byte-level ones (Llama-3) are both this model;
/// they differ only in the normalizer / pre-tokenizer around it.
/// </summary>
internal sealed class BpeModel
{
    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<(int Left, int Right), (int Rank, int Merged)> _merges;
    private readonly int[] _byteIds;
    private readonly int? _unkId;
    private readonly bool _fuseUnk;
    private readonly bool _ignoreMerges;

    private BpeModel(Dictionary<string, int> vocab, Dictionary<(int, int), (int, int)> merges,
        int[] byteIds, int? unkId, bool fuseUnk, bool ignoreMerges)
    {
        _vocab = vocab;
        _merges = merges;
        _byteIds = byteIds;
        _unkId = unkId;
        _fuseUnk = fuseUnk;
        _ignoreMerges = ignoreMerges;
    }

    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    public static BpeModel Parse(JsonElement model, string file)
    {
        const string path = "model";
        var type = HfJson.OptionalString(model, "type", file, path) ?? "BPE";
        if (type != "BPE") throw HfJson.Unsupported(file, path, type);
        foreach (var key in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (HfJson.OptionalString(model, key, file, path) is { Length: > 0 } value)
                throw new InvalidInputException($"{file}: unsupported {path}.{key} '{value}'.");
        }
        // Dropout only applies while training a tokenizer; encoding with it would be random.
        if (HfJson.Optional(model, "dropout") is { } dropout && dropout.GetDouble() != 0)
            throw new InvalidInputException($"{file}: unsupported {path}.dropout {dropout} (only null or 0).");

        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in HfJson.Required(model, "vocab", file, path).EnumerateObject())
        {
            if (!entry.Value.TryGetInt32(out var id) || id < 0)
                throw new InvalidInputException($"{file}: {path}.vocab['{entry.Name}'] is not a token id: {entry.Value}.");
            vocab[entry.Name] = id;
        }

        var merges = new Dictionary<(int, int), (int, int)>();
        var rank = 0;
        foreach (var merge in HfJson.Required(model, "merges", file, path).EnumerateArray())
        {
            var (left, right) = SplitMerge(merge, file, rank);
            if (!vocab.TryGetValue(left, out var leftId) || !vocab.TryGetValue(right, out var rightId)
                || !vocab.TryGetValue(left + right, out var mergedId))
                throw new InvalidInputException(
                    $"{file}: {path}.merges[{rank}] '{left} {right}' uses a token that is not in the vocabulary.");
            merges.TryAdd((leftId, rightId), (rank, mergedId));
            rank++;
        }

        var byteFallback = HfJson.Bool(model, "byte_fallback", false, file, path);
        var byteIds = new int[byteFallback ? 256 : 0];
        for (var b = 0; b < byteIds.Length; b++)
        {
            var token = ByteToken(b);
            byteIds[b] = vocab.TryGetValue(token, out var id)
                ? id
                : throw new InvalidInputException($"{file}: {path}.byte_fallback is true but '{token}' is not in the vocabulary.");
        }

        int? unkId = null;
        if (HfJson.OptionalString(model, "unk_token", file, path) is { } unk)
        {
            unkId = vocab.TryGetValue(unk, out var id)
                ? id
                : throw new InvalidInputException($"{file}: {path}.unk_token '{unk}' is not in the vocabulary.");
        }
        return new BpeModel(vocab, merges, byteIds, unkId,
            HfJson.Bool(model, "fuse_unk", false, file, path),
            HfJson.Bool(model, "ignore_merges", false, file, path));
    }

    /// <summary>The byte token of SentencePiece / HF byte fallback: "&lt;0x0A&gt;" for a newline.</summary>
    public static string ByteToken(int b) => $"<0x{b:X2}>";

    /// <summary>The byte a "&lt;0xXX&gt;" token stands for, or null for any other token.</summary>
    public static byte? ByteOfToken(string token) =>
        token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
            && byte.TryParse(token.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)
            ? b : null;

    // Merges are "left right" strings (tokenizers < 0.20) or ["left", "right"] arrays (newer).
    private static (string, string) SplitMerge(JsonElement merge, string file, int rank)
    {
        if (merge.ValueKind == JsonValueKind.String)
        {
            var text = merge.GetString()!;
            var space = text.IndexOf(' ', 1);
            if (space > 0) return (text[..space], text[(space + 1)..]);
        }
        else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                 && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            return (merge[0].GetString()!, merge[1].GetString()!);
        throw new InvalidInputException($"{file}: model.merges[{rank}] is not a pair of tokens: {merge}.");
    }

    /// <summary>Appends the token ids of one pre-tokenized word.</summary>
    public void Encode(string word, List<int> ids)
    {
        if (word.Length == 0) return;
        if (_ignoreMerges && _vocab.TryGetValue(word, out var whole))
        {
            ids.Add(whole);
            return;
        }
        var symbols = InitialSymbols(word);
        Merge(symbols);
        ids.AddRange(symbols);
    }

    private List<int> InitialSymbols(string word)
    {
        var symbols = new List<int>(word.Length);
        var previousWasUnk = false;
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in word.EnumerateRunes())
        {
            if (_vocab.TryGetValue(rune.ToString(), out var id))
            {
                symbols.Add(id);
                previousWasUnk = false;
            }
            else if (_byteIds.Length > 0)
            {
                foreach (var b in utf8[..rune.EncodeToUtf8(utf8)]) symbols.Add(_byteIds[b]);
                previousWasUnk = false;
            }
            else if (_unkId is int unk)
            {
                if (!(_fuseUnk && previousWasUnk)) symbols.Add(unk);
                previousWasUnk = true;
            }
            // No unknown token and no byte fallback: HF drops the character, and so do we.
        }
        return symbols;
    }

    /// <summary>Applies merges in rank order, leftmost first among equal ranks, in place.</summary>
    private void Merge(List<int> symbols)
    {
        var n = symbols.Count;
        if (n < 2) return;
        // A doubly linked list over positions; a queue of candidate pairs keyed (rank, position).
        // An entry is stale when either symbol has changed since it was queued; those are skipped.
        var next = new int[n];
        var prev = new int[n];
        var alive = new bool[n];
        for (var i = 0; i < n; i++)
        {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
            alive[i] = true;
        }
        var queue = new PriorityQueue<(int Left, int LeftId, int RightId), (int Rank, int Position)>();
        void Offer(int left)
        {
            var right = next[left];
            if (right < 0) return;
            if (_merges.TryGetValue((symbols[left], symbols[right]), out var merge))
                queue.Enqueue((left, symbols[left], symbols[right]), (merge.Rank, left));
        }
        for (var i = 0; i + 1 < n; i++) Offer(i);

        while (queue.TryDequeue(out var candidate, out _))
        {
            var left = candidate.Left;
            var right = next[left];
            if (!alive[left] || right < 0 || symbols[left] != candidate.LeftId || symbols[right] != candidate.RightId)
                continue;
            symbols[left] = _merges[(candidate.LeftId, candidate.RightId)].Merged;
            alive[right] = false;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) Offer(prev[left]);
            Offer(left);
        }

        var write = 0;
        for (var i = 0; i >= 0; i = next[i]) symbols[write++] = symbols[i];
        symbols.RemoveRange(write, n - write);
    }
}
