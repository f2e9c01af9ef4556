using System.Text;
using System.Text.Json;

namespace Cora.Training.Tokenizers;

/// <summary>
/// The "decoder" of a tokenizer.json: turns the token strings of ids back into text, as a chain of
/// steps over the list of token strings (HF's decode_chain). Supported: Sequence, Replace,
/// ByteFallback, Fuse, Strip (Llama-2 / Mistral), ByteLevel (Llama-3), Metaspace.
/// With no decoder the token strings are joined as they are.
/// </summary>
internal abstract class HfDecoder
{
    public abstract List<string> Decode(List<string> tokens);

    public static HfDecoder? Parse(JsonElement? element, string file, string path = "decoder")
    {
        if (element is not { } json) return null;
        var type = HfJson.Type(json, file, path);
        return type switch
        {
            "Sequence" => new SequenceDecoder(
                HfJson.Required(json, "decoders", file, path).EnumerateArray()
                    .Select((d, i) => Parse(d, file, $"{path}.decoders[{i}]")!).ToArray()),
            "Replace" => ReplaceOf(json, file, path),
            "ByteFallback" => new ByteFallback(),
            "Fuse" => new PerList(tokens => [string.Concat(tokens)]),
            "Strip" => StripOf(json, file, path),
            "ByteLevel" => new PerList(tokens => [ByteLevelAlphabet.Decode(string.Concat(tokens))]),
            "Metaspace" => MetaspaceOf(json, file, path),
            _ => throw HfJson.Unsupported(file, path, type),
        };
    }

    private static PerToken ReplaceOf(JsonElement json, string file, string path)
    {
        var pattern = HfJson.Pattern(json, file, path);
        var content = HfJson.RequiredString(json, "content", file, path).Replace("$", "$$", StringComparison.Ordinal);
        return new PerToken((token, _) => pattern.Replace(token, content));
    }

    // Removes up to "start" leading and "stop" trailing copies of "content" from every token.
    private static PerToken StripOf(JsonElement json, string file, string path)
    {
        var content = HfJson.RequiredString(json, "content", file, path);
        if (content.Length != 1)
            throw new InvalidInputException($"{file}: {path}.content must be one character, not '{content}'.");
        var start = HfJson.Int(json, "start", 0, file, path);
        var stop = HfJson.Int(json, "stop", 0, file, path);
        var c = content[0];
        return new PerToken((token, _) =>
        {
            var from = 0;
            while (from < token.Length && from < start && token[from] == c) from++;
            var to = token.Length;
            while (to > from && token.Length - to < stop && token[to - 1] == c) to--;
            return token[from..to];
        });
    }

    private static PerToken MetaspaceOf(JsonElement json, string file, string path)
    {
        var replacement = HfJson.RequiredString(json, "replacement", file, path);
        var scheme = HfJson.OptionalString(json, "prepend_scheme", file, path)
            ?? (HfJson.Bool(json, "add_prefix_space", true, file, path) ? "always" : "never");
        return new PerToken((token, index) =>
        {
            var text = token.Replace(replacement, " ", StringComparison.Ordinal);
            return index == 0 && scheme != "never" && text.StartsWith(' ') ? text[1..] : text;
        });
    }

    private sealed class SequenceDecoder(HfDecoder[] steps) : HfDecoder
    {
        public override List<string> Decode(List<string> tokens) => steps.Aggregate(tokens, (t, step) => step.Decode(t));
    }

    private sealed class PerList(Func<List<string>, List<string>> apply) : HfDecoder
    {
        public override List<string> Decode(List<string> tokens) => apply(tokens);
    }

    private sealed class PerToken(Func<string, int, string> apply) : HfDecoder
    {
        public override List<string> Decode(List<string> tokens) => tokens.Select(apply).ToList();
    }

    /// <summary>
    /// Runs of "&lt;0xXX&gt;" tokens become the text of their bytes; other tokens pass through.
    /// Where a run is not valid UTF-8, only its invalid sequences become U+FFFD (Python's
    /// errors="replace"). HF turns every byte of such a run into U+FFFD; Cora does not, because a
    /// generation from a byte-level zoo model is one long run, and one stray byte must not erase it.
    /// </summary>
    private sealed class ByteFallback : HfDecoder
    {
        public override List<string> Decode(List<string> tokens)
        {
            var output = new List<string>(tokens.Count);
            var bytes = new List<byte>();
            foreach (var token in tokens)
            {
                if (BpeModel.ByteOfToken(token) is byte b)
                {
                    bytes.Add(b);
                    continue;
                }
                Flush(bytes, output);
                output.Add(token);
            }
            Flush(bytes, output);
            return output;
        }

        private static void Flush(List<byte> bytes, List<string> output)
        {
            if (bytes.Count == 0) return;
            output.Add(Encoding.UTF8.GetString(bytes.ToArray()));
            bytes.Clear();
        }
    }
}
