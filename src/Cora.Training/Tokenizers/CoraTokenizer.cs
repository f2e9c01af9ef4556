namespace Cora.Training.Tokenizers;

/// <summary>
/// What the rest of Cora codes against: text to ids and back, plus the special tokens a model
/// and its training data need. Instances are immutable and safe to share between threads.
/// </summary>
/// <remarks>
/// BOS contract: <see cref="Encode"/> with <c>addBos: true</c> puts <see cref="BosId"/> first when
/// the tokenizer has a BOS token and its files do not switch BOS off (tokenizer_config.json
/// <c>"add_bos_token": false</c>). This is what Hugging Face does for Llama-2 / Mistral /
/// Llama-3.1 files, whose post_processor prepends BOS; it also gives BOS for the first Llama-3
/// tokenizer.json, whose post_processor forgot it although the model was trained with it.
/// Nothing else a post_processor template may add is added (no EOS, no pair template): Cora's data
/// pipeline appends EOS itself where a training sequence ends. <c>addBos: false</c> adds nothing.
/// </remarks>
public abstract class CoraTokenizer
{
    protected CoraTokenizer(SpecialTokens special)
    {
        Special = special;
    }

    /// <summary>The special tokens this tokenizer was loaded with.</summary>
    public SpecialTokens Special { get; }

    /// <summary>Ids run from 0 to VocabSize - 1: base vocabulary plus added tokens (HF <c>len(tokenizer)</c>).</summary>
    public abstract int VocabSize { get; }

    public string? BosToken => Special.Bos;
    public string? EosToken => Special.Eos;
    public string? PadToken => Special.Pad;
    public int? BosId => Special.Bos is null ? null : TokenToId(Special.Bos);
    public int? EosId => Special.Eos is null ? null : TokenToId(Special.Eos);
    public int? PadId => Special.Pad is null ? null : TokenToId(Special.Pad);

    /// <summary>The id of a vocabulary string, or null when the vocabulary lacks it.</summary>
    public abstract int? TokenToId(string token);

    /// <summary>The vocabulary string of an id, or null when the id is out of range or unused.</summary>
    public abstract string? IdToToken(int id);

    public TokenEncoding Encode(string text, bool addBos = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        var pieces = new List<string>();
        if (addBos && Special.AddBos && BosId is int bos)
        {
            ids.Add(bos);
            pieces.Add(Special.Bos!);
        }
        EncodeText(text, ids, pieces);
        return new TokenEncoding(ids, pieces);
    }

    /// <summary>
    /// Text of the ids. With <paramref name="skipSpecial"/> special tokens (BOS, EOS, …) are left out.
    /// Bytes that do not form valid UTF-8 come out as U+FFFD.
    /// </summary>
    public abstract string Decode(IEnumerable<int> ids, bool skipSpecial = true);

    /// <summary>Appends the tokens of <paramref name="text"/>, without BOS, to both lists.</summary>
    protected abstract void EncodeText(string text, List<int> ids, List<string> pieces);
}
