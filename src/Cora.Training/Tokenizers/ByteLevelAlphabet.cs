using System.Text;

namespace Cora.Training.Tokenizers;

/// <summary>
/// GPT-2's byte-to-character table used by byte-level BPE (Llama-3): every byte gets a printable
/// character, so that a vocabulary of strings can hold arbitrary bytes. Printable Latin-1 bytes map
/// to themselves; the 68 others (controls, space, 0x7F-0xA0, 0xAD) to U+0100 onwards in byte order
/// (space becomes 'Ġ', newline 'Ċ').
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToChar[b], b => (byte)b);

    private static char[] BuildTable()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = printable ? (char)b : (char)next++;
        }
        return table;
    }

    /// <summary>The UTF-8 bytes of <paramref name="text"/>, one alphabet character per byte.</summary>
    public static string Encode(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var chars = new char[bytes.Length];
        for (var i = 0; i < bytes.Length; i++) chars[i] = ByteToChar[bytes[i]];
        return new string(chars);
    }

    /// <summary>
    /// The text whose bytes <paramref name="encoded"/> spells. Characters outside the alphabet
    /// (added tokens such as "&lt;|eot_id|&gt;") stand for their own UTF-8 bytes, as in HF's decoder.
    /// </summary>
    public static string Decode(string encoded)
    {
        var bytes = new List<byte>(encoded.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in encoded.EnumerateRunes())
        {
            if (rune.IsBmp && CharToByte.TryGetValue((char)rune.Value, out var b)) bytes.Add(b);
            else bytes.AddRange(utf8[..rune.EncodeToUtf8(utf8)]);
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
