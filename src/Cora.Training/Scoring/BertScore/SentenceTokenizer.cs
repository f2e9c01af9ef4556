using Cora.Training.Encoders;
using Cora.Training.Model;
using Cora.Training.Tokenizers;

namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// bert-score's <c>sent_encode</c>: a sentence to the token ids its model embeds.
/// </summary>
/// <remarks>
/// Every mode first strips the sentence (Python <c>str.strip()</c>).
/// BERT: <c>[CLS] wordpieces [SEP]</c> (<see cref="WordPieceTokenizer"/>).
/// RoBERTa: <c>&lt;s&gt; bpe(" " + text) &lt;/s&gt;</c> — bert-score encodes with
/// <c>add_prefix_space=True</c>, so non-empty text gets one leading space whatever the files say.
/// Empty text is the two special tokens alone (<c>build_inputs_with_special_tokens([])</c>).
/// The text tokens are cut to the model's maximum length minus the special tokens
/// (<c>truncation=True, max_length=model_max_length</c>); the maximum is tokenizer_config.json's
/// <c>model_max_length</c> where it is set (and not transformers' "unset" 1e30), capped by what the
/// position table holds — the cap is where transformers would fail instead.
/// Llama (base mode): the checkpoint's own tokenizer with its BOS (no EOS), cut to
/// max_position_embeddings.
/// </remarks>
public sealed class SentenceTokenizer
{
    private readonly CoraTokenizer _tokenizer;
    private readonly int? _first;
    private readonly int? _last;
    private readonly bool _prefixSpace;
    private readonly int _maxTextTokens;

    private SentenceTokenizer(CoraTokenizer tokenizer, int? first, int? last, bool prefixSpace, int maxTokens, int padId)
    {
        _tokenizer = tokenizer;
        _first = first;
        _last = last;
        _prefixSpace = prefixSpace;
        SpecialIds = new[] { first, last }.OfType<int>().ToArray();
        _maxTextTokens = maxTokens - SpecialIds.Count;
        if (_maxTextTokens <= 0) throw new InvalidInputException($"a maximum length of {maxTokens} tokens leaves no room for text");
        PadId = padId;
    }

    /// <summary>The ids added around the text ([CLS]/[SEP], &lt;s&gt;/&lt;/s&gt;, BOS): weight 0 without idf.</summary>
    public IReadOnlyList<int> SpecialIds { get; }

    /// <summary>The id padding positions carry (masked out).</summary>
    public int PadId { get; }

    public CoraTokenizer Tokenizer => _tokenizer;

    /// <summary>The tokenizer of a BERT (vocab.txt) or RoBERTa (vocab.json + merges.txt, else tokenizer.json) checkpoint.</summary>
    public static SentenceTokenizer ForEncoder(string directory, EncoderConfig config)
    {
        var maxTokens = Math.Min(config.MaxTokens, ModelMaxLength(directory) ?? int.MaxValue);
        if (!config.IsRoberta)
        {
            var wordPiece = WordPieceTokenizer.Load(directory);
            return new SentenceTokenizer(wordPiece, wordPiece.ClsId, wordPiece.SepId, prefixSpace: false, maxTokens,
                wordPiece.TokenToId(WordPieceTokenizer.PaddingToken) ?? config.PadTokenId);
        }
        var bpe = ByteLevelBpeFiles.Exist(directory) ? ByteLevelBpeFiles.Load(directory)
            : File.Exists(Path.Combine(directory, HfTokenizer.FileName)) ? HfTokenizer.Load(Path.Combine(directory, HfTokenizer.FileName))
            : throw new InvalidInputException($"{directory}: no RoBERTa tokenizer (looked for {ByteLevelBpeFiles.VocabFileName} + {ByteLevelBpeFiles.MergesFileName}, then {HfTokenizer.FileName})");
        int Id(string token) => bpe.TokenToId(token) ?? throw new InvalidInputException($"{directory}: the RoBERTa vocabulary has no {token}");
        return new SentenceTokenizer(bpe, Id("<s>"), Id("</s>"), prefixSpace: true, maxTokens, config.PadTokenId);
    }

    /// <summary>The checkpoint's own tokenizer, BOS first when it adds one (base mode).</summary>
    public static SentenceTokenizer ForLlama(string directory, LlamaConfig config)
    {
        var tokenizer = TokenizerLoader.Load(directory);
        int? bos = tokenizer.Special.AddBos ? tokenizer.BosId : null;
        return new SentenceTokenizer(tokenizer, bos, null, prefixSpace: false, config.MaxPositionEmbeddings, config.PadTokenId ?? 0);
    }

    /// <summary>The ids of <paramref name="sentence"/>, special tokens included.</summary>
    public int[] Encode(string sentence)
    {
        var text = PythonText.Strip(sentence);
        var ids = new List<int>();
        if (_first is int first) ids.Add(first);
        if (text.Length > 0)
        {
            var content = _tokenizer.Encode(_prefixSpace ? " " + text : text, addBos: false).Ids;
            ids.AddRange(content.Take(_maxTextTokens));
        }
        if (_last is int last) ids.Add(last);
        return ids.ToArray();
    }

    /// <summary>True when <paramref name="ids"/> hold no text: bert-score's empty sentence.</summary>
    public bool IsEmpty(int[] ids) => ids.Length == SpecialIds.Count;

    private static int? ModelMaxLength(string directory)
    {
        var path = Path.Combine(directory, "tokenizer_config.json");
        if (!File.Exists(path)) return null;
        var json = IO.ConfigReader.ReadObject(path);
        var reader = new IO.ConfigReader(json, path);
        // transformers writes 1e30 (VERY_LARGE_INTEGER) for "no limit"; older files say max_len.
        var value = reader.Double("model_max_length", reader.Double("max_len", double.PositiveInfinity));
        return value is > 0 and < 1e9 ? (int)value : null;
    }
}
