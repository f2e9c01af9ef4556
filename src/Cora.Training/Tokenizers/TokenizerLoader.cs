namespace Cora.Training.Tokenizers;

/// <summary>Finds and loads the tokenizer of a model directory (a Hugging Face checkpoint or a zoo model).</summary>
public static class TokenizerLoader
{
    /// <summary>
    /// Loads tokenizer.json when the directory has one (HF's fast-tokenizer file, preferred as
    /// transformers does), else tokenizer.model (SentencePiece). Anything else, or a file Cora
    /// cannot read, is an <see cref="InvalidInputException"/> naming the directory or file.
    /// </summary>
    public static CoraTokenizer Load(string dir)
    {
        ArgumentNullException.ThrowIfNull(dir);
        if (!Directory.Exists(dir))
            throw new InvalidInputException($"Tokenizer directory '{dir}' does not exist.");
        var json = Path.Combine(dir, HfTokenizer.FileName);
        if (File.Exists(json)) return HfTokenizer.Load(json);
        var model = Path.Combine(dir, SentencePieceModelTokenizer.FileName);
        if (File.Exists(model)) return SentencePieceModelTokenizer.Load(model);
        throw new InvalidInputException(
            $"No tokenizer in '{dir}': looked for {HfTokenizer.FileName} and {SentencePieceModelTokenizer.FileName}.");
    }

    /// <summary>The files a Hugging Face checkpoint keeps its tokenizer in.</summary>
    public static readonly IReadOnlyList<string> Files =
        [HfTokenizer.FileName, SentencePieceModelTokenizer.FileName, "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>Copies whichever tokenizer files <paramref name="from"/> has into <paramref name="to"/>.</summary>
    public static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var name in Files)
        {
            var source = Path.Combine(from, name);
            if (File.Exists(source)) File.Copy(source, Path.Combine(to, name), overwrite: true);
        }
    }
}
