using System.Text;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>
/// Writes a SentencePiece ModelProto (sentencepiece_model.proto) by hand: protobuf wire format,
/// only the fields a Llama-style BPE model needs. Microsoft.ML.Tokenizers keeps its generated
/// proto classes internal, so tests that need a tokenizer.model build the bytes here.
/// </summary>
public static class SentencePieceModelWriter
{
    // SentencePiece.Type and TrainerSpec.ModelType values.
    private const int Normal = 1, Unknown = 2, Control = 3, Byte = 6, Bpe = 2;

    /// <summary>
    /// A Llama-2-style model over <paramref name="vocab"/> (id = index): &lt;unk&gt; 0, &lt;s&gt; 1,
    /// &lt;/s&gt; 2, byte pieces "&lt;0xXX&gt;", byte fallback, dummy '▁' prefix. SentencePiece BPE
    /// merges the pair whose merged piece scores highest; HF's converter listed the merges in that
    /// order, so a piece scores minus the rank of the first merge that forms it.
    /// </summary>
    public static byte[] LlamaStyle(List<string> vocab, List<(int Left, int Right)> merges)
    {
        var score = new Dictionary<string, float>(StringComparer.Ordinal);
        for (var rank = 0; rank < merges.Count; rank++)
            score.TryAdd(vocab[merges[rank].Left] + vocab[merges[rank].Right], -rank);
        var model = new MemoryStream();
        for (var id = 0; id < vocab.Count; id++)
        {
            var piece = vocab[id];
            var type = id switch
            {
                0 => Unknown,
                1 or 2 => Control,
                _ when piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) => Byte,
                _ => Normal,
            };
            var message = new MemoryStream();
            String(message, 1, piece);
            Float(message, 2, type == Normal ? score.GetValueOrDefault(piece) : 0f);
            Varint(message, 3, type);
            Message(model, 1, message);
        }
        var trainer = new MemoryStream();
        Varint(trainer, 3, Bpe);
        Varint(trainer, 4, vocab.Count);
        Varint(trainer, 35, 1); // byte_fallback
        Varint(trainer, 40, 0); // unk_id
        Varint(trainer, 41, 1); // bos_id
        Varint(trainer, 42, 2); // eos_id
        Varint(trainer, 43, -1); // pad_id
        Message(model, 2, trainer);
        var normalizer = new MemoryStream();
        String(normalizer, 1, "identity");
        Varint(normalizer, 3, 1); // add_dummy_prefix
        Varint(normalizer, 4, 0); // remove_extra_whitespaces
        Varint(normalizer, 5, 1); // escape_whitespaces
        Message(model, 3, normalizer);
        return model.ToArray();
    }

    private static void Tag(Stream s, int field, int wireType) => Raw(s, (ulong)((field << 3) | wireType));

    // int32 fields encode negatives as 10-byte two's complement varints.
    private static void Varint(Stream s, int field, long value)
    {
        Tag(s, field, 0);
        Raw(s, unchecked((ulong)value));
    }

    private static void Float(Stream s, int field, float value)
    {
        Tag(s, field, 5);
        s.Write(BitConverter.GetBytes(value));
    }

    private static void String(Stream s, int field, string value) => Bytes(s, field, Encoding.UTF8.GetBytes(value));

    private static void Message(Stream s, int field, MemoryStream message) => Bytes(s, field, message.ToArray());

    private static void Bytes(Stream s, int field, byte[] value)
    {
        Tag(s, field, 2);
        Raw(s, (ulong)value.Length);
        s.Write(value);
    }

    private static void Raw(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }
}
