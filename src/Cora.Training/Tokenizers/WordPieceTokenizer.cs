using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cora.Training.Tokenizers;

/// <summary>
/// BERT's tokenizer as transformers' slow <c>BertTokenizer</c> runs it (the one bert-score uses):
/// the text is cut at special tokens ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]" spelled
/// exactly), then each piece goes through the BasicTokenizer and the WordpieceTokenizer.
/// </summary>
/// <remarks>
/// BasicTokenizer, in order: drop U+0000, U+FFFD and control characters (category C* except
/// \t \n \r) and turn white space (space, \t \n \r, Zs) into spaces; put spaces around CJK
/// ideographs; split on Python white space; per word, with do_lower_case, Python
/// <c>lower()</c> then accent stripping (NFD minus Mn) unless strip_accents is false (without
/// do_lower_case only when strip_accents is true); split off every punctuation character (ASCII
/// 33–47, 58–64, 91–96, 123–126, or a Unicode P* category) as its own word.
/// WordpieceTokenizer: a word of more than 100 characters (code points) is "[UNK]"; otherwise
/// greedy longest-match-first, pieces after the first prefixed "##"; if some part matches
/// nothing the whole word is "[UNK]".
/// Not done: recent transformers also NFC-normalise the text before splitting it, which only
/// changes ids for decomposed input to a cased model (an uncased one strips the accents either
/// way); .NET cannot compose here (InvariantGlobalization, see <see cref="PythonText"/>).
/// </remarks>
public sealed class WordPieceTokenizer : CoraTokenizer
{
    public const string VocabFileName = "vocab.txt";
    public const string UnkToken = "[UNK]";
    public const string ClsToken = "[CLS]";
    public const string SepToken = "[SEP]";
    public const string PaddingToken = "[PAD]";
    public const string MaskToken = "[MASK]";
    private const int MaxCharsPerWord = 100;

    private readonly string[] _idToToken;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly bool _lowerCase;
    private readonly bool? _stripAccents;
    private readonly bool _tokenizeChineseChars;
    private readonly Regex _specialPattern;
    private readonly HashSet<string> _special;
    private readonly int _unkId;

    /// <param name="vocabulary">Tokens by id (the lines of vocab.txt); it must hold "[UNK]".</param>
    /// <param name="lowerCase">do_lower_case (BertTokenizer's default: true).</param>
    /// <param name="stripAccents">strip_accents: null follows <paramref name="lowerCase"/>.</param>
    /// <param name="tokenizeChineseChars">tokenize_chinese_chars (default true).</param>
    public WordPieceTokenizer(IReadOnlyList<string> vocabulary, bool lowerCase = true, bool? stripAccents = null, bool tokenizeChineseChars = true)
        : base(new SpecialTokens(null, null, PaddingToken, AddBos: false))
    {
        _idToToken = vocabulary.ToArray();
        // As transformers' load_vocab: a token listed twice keeps its last line's id.
        _tokenToId = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _idToToken.Length; i++) _tokenToId[_idToToken[i]] = i;
        _unkId = _tokenToId.TryGetValue(UnkToken, out var unk)
            ? unk : throw new InvalidInputException($"WordPiece vocabulary has no {UnkToken} token");
        _lowerCase = lowerCase;
        _stripAccents = stripAccents;
        _tokenizeChineseChars = tokenizeChineseChars;
        _special = new[] { UnkToken, SepToken, PaddingToken, ClsToken, MaskToken }.Where(_tokenToId.ContainsKey).ToHashSet(StringComparer.Ordinal);
        _specialPattern = new Regex(string.Join('|', _special.Select(Regex.Escape)), RegexOptions.CultureInvariant);
    }

    /// <summary>
    /// Loads <c>vocab.txt</c> from <paramref name="directory"/>, with do_lower_case, strip_accents
    /// and tokenize_chinese_chars from tokenizer_config.json when it has them.
    /// </summary>
    public static WordPieceTokenizer Load(string directory)
    {
        var vocabPath = Path.Combine(directory, VocabFileName);
        if (!File.Exists(vocabPath))
            throw new InvalidInputException($"{directory}: no {VocabFileName} (a BERT checkpoint keeps its WordPiece vocabulary there)");
        var lines = File.ReadAllText(vocabPath, Encoding.UTF8).Split('\n');
        var vocabulary = lines[^1].Length == 0 ? lines[..^1] : lines;
        bool lowerCase = true, chinese = true;
        bool? strip = null;
        var configPath = Path.Combine(directory, TokenizerConfig.ConfigFile);
        if (File.Exists(configPath))
        {
            using var json = HfJson.Parse(configPath);
            var root = json.RootElement;
            lowerCase = HfJson.Bool(root, "do_lower_case", true, configPath, "$");
            chinese = HfJson.Bool(root, "tokenize_chinese_chars", true, configPath, "$");
            if (HfJson.Optional(root, "strip_accents") is { ValueKind: JsonValueKind.True or JsonValueKind.False } s) strip = s.GetBoolean();
        }
        try
        {
            return new WordPieceTokenizer(vocabulary, lowerCase, strip, chinese);
        }
        catch (InvalidInputException e)
        {
            throw new InvalidInputException($"{vocabPath}: {e.Message}", e);
        }
    }

    public override int VocabSize => _idToToken.Length;

    public int ClsId => TokenToId(ClsToken) ?? throw new InvalidInputException($"WordPiece vocabulary has no {ClsToken} token");
    public int SepId => TokenToId(SepToken) ?? throw new InvalidInputException($"WordPiece vocabulary has no {SepToken} token");

    public override int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    public override string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    protected override void EncodeText(string text, List<int> ids, List<string> pieces)
    {
        var last = 0;
        foreach (Match m in _specialPattern.Matches(text))
        {
            EncodePlain(text[last..m.Index], ids, pieces);
            ids.Add(_tokenToId[m.Value]);
            pieces.Add(m.Value);
            last = m.Index + m.Length;
        }
        EncodePlain(text[last..], ids, pieces);
    }

    private void EncodePlain(string text, List<int> ids, List<string> pieces)
    {
        foreach (var word in BasicTokenize(text))
        {
            var first = ids.Count;
            if (!WordPieces(word, ids))
            {
                ids.RemoveRange(first, ids.Count - first);
                ids.Add(_unkId);
            }
            for (var i = first; i < ids.Count; i++) pieces.Add(_idToToken[ids[i]]);
        }
    }

    /// <summary>The words BERT's BasicTokenizer makes of <paramref name="text"/>.</summary>
    public List<string> BasicTokenize(string text)
    {
        var clean = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            var cp = rune.Value;
            if (cp == 0 || cp == 0xFFFD || IsControl(rune)) continue;
            if (IsWhitespace(rune)) clean.Append(' ');
            else if (_tokenizeChineseChars && IsChineseChar(cp)) clean.Append(' ').Append(rune.ToString()).Append(' ');
            else clean.Append(rune.ToString());
        }
        var words = new List<string>();
        foreach (var token in PythonText.Split(clean.ToString()))
        {
            var word = token;
            if (_lowerCase)
            {
                word = PythonText.Lower(word);
                if (_stripAccents != false) word = PythonText.StripAccents(word);
            }
            else if (_stripAccents == true)
            {
                word = PythonText.StripAccents(word);
            }
            SplitOnPunctuation(word, words);
        }
        return words;
    }

    /// <summary>Appends the pieces of one word; false when some part of it matches nothing.</summary>
    private bool WordPieces(string word, List<int> ids)
    {
        var runes = word.EnumerateRunes().Select(r => r.ToString()).ToArray();
        if (runes.Length > MaxCharsPerWord) return false;
        var start = 0;
        while (start < runes.Length)
        {
            var end = runes.Length;
            int? found = null;
            while (start < end)
            {
                var piece = string.Concat(runes[start..end]);
                if (start > 0) piece = "##" + piece;
                if (_tokenToId.TryGetValue(piece, out var id))
                {
                    found = id;
                    break;
                }
                end--;
            }
            if (found is not int match) return false;
            ids.Add(match);
            start = end;
        }
        return true;
    }

    private static void SplitOnPunctuation(string word, List<string> output)
    {
        var current = new StringBuilder();
        foreach (var rune in word.EnumerateRunes())
        {
            if (IsPunctuation(rune))
            {
                if (current.Length > 0) output.Add(current.ToString());
                current.Clear();
                output.Add(rune.ToString());
            }
            else current.Append(rune.ToString());
        }
        if (current.Length > 0) output.Add(current.ToString());
    }

    private static bool IsWhitespace(Rune r) =>
        r.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(r) == UnicodeCategory.SpaceSeparator;

    private static bool IsControl(Rune r) =>
        r.Value is not ('\t' or '\n' or '\r') && Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
            or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    private static bool IsPunctuation(Rune r) =>
        r.Value is >= 33 and <= 47 or >= 58 and <= 64 or >= 91 and <= 96 or >= 123 and <= 126
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation
            or UnicodeCategory.OpenPunctuation or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation
            or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;

    // BERT's "CJK Unified Ideographs" blocks (not all of CJK: Hiragana, Katakana, Hangul are not here).
    private static bool IsChineseChar(int cp) =>
        cp is >= 0x4E00 and <= 0x9FFF or >= 0x3400 and <= 0x4DBF or >= 0x20000 and <= 0x2A6DF
            or >= 0x2A700 and <= 0x2B73F or >= 0x2B740 and <= 0x2B81F or >= 0x2B820 and <= 0x2CEAF
            or >= 0xF900 and <= 0xFAFF or >= 0x2F800 and <= 0x2FA1F;

    /// <summary>Tokens joined with spaces, "##" continuations glued on (transformers' convert_tokens_to_string).</summary>
    public override string Decode(IEnumerable<int> ids, bool skipSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var tokens = new List<string>();
        foreach (var id in ids)
        {
            var token = IdToToken(id) ?? throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is not in the vocabulary (size {VocabSize}).");
            if (!(skipSpecial && _special.Contains(token))) tokens.Add(token);
        }
        return string.Join(' ', tokens).Replace(" ##", "", StringComparison.Ordinal).Trim();
    }
}
