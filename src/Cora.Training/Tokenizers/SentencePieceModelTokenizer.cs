using Microsoft.ML.Tokenizers;

namespace Cora.Training.Tokenizers;

/// <summary>
/// A SentencePiece BPE <c>tokenizer.model</c> (the original Llama-2 / Mistral file), encoded and
/// decoded by Microsoft.ML.Tokenizers' <see cref="LlamaTokenizer"/>. BOS / EOS come from the
/// model's trainer spec unless tokenizer_config.json / special_tokens_map.json name others.
/// </summary>
public sealed class SentencePieceModelTokenizer : CoraTokenizer
{
    public const string FileName = "tokenizer.model";

    private readonly LlamaTokenizer _tokenizer;
    private readonly string[] _idToToken;

    private SentencePieceModelTokenizer(SpecialTokens special, LlamaTokenizer tokenizer, string[] idToToken)
        : base(special)
    {
        _tokenizer = tokenizer;
        _idToToken = idToToken;
    }

    public static SentencePieceModelTokenizer Load(string path)
    {
        LlamaTokenizer tokenizer;
        using (var stream = File.OpenRead(path))
        {
            try
            {
                // BOS is Cora's decision (CoraTokenizer.Encode), so the library adds none itself.
                tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException
                                          or Google.Protobuf.InvalidProtocolBufferException)
            {
                throw new InvalidInputException($"{path}: not a SentencePiece BPE model Cora can load ({e.Message}).", e);
            }
        }
        var idToToken = new string[tokenizer.Vocabulary.Values.DefaultIfEmpty(-1).Max() + 1];
        foreach (var (token, id) in tokenizer.Vocabulary) idToToken[id] = token;
        var config = TokenizerConfig.Read(Path.GetDirectoryName(Path.GetFullPath(path))!);
        bool InVocabulary(string token) => tokenizer.Vocabulary.ContainsKey(token);
        var special = new SpecialTokens(
            config.Resolve("bos_token", tokenizer.BeginningOfSentenceToken, InVocabulary),
            config.Resolve("eos_token", tokenizer.EndOfSentenceToken, InVocabulary),
            config.Resolve("pad_token", null, InVocabulary),
            config.AddBos ?? true);
        return new SentencePieceModelTokenizer(special, tokenizer, idToToken);
    }

    public override int VocabSize => _idToToken.Length;

    public override int? TokenToId(string token) => _tokenizer.Vocabulary.TryGetValue(token, out var id) ? id : null;

    public override string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    protected override void EncodeText(string text, List<int> ids, List<string> pieces)
    {
        if (text.Length == 0) return;
        foreach (var token in _tokenizer.EncodeToTokens(text, out _, addBeginningOfSentence: false, addEndOfSentence: false))
        {
            ids.Add(token.Id);
            pieces.Add(_idToToken[token.Id]);
        }
    }

    public override string Decode(IEnumerable<int> ids, bool skipSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var list = ids.ToList();
        foreach (var id in list)
        {
            if (IdToToken(id) is null)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is not in the vocabulary (size {VocabSize}).");
        }
        return _tokenizer.Decode(list, considerSpecialTokens: !skipSpecial);
    }
}
