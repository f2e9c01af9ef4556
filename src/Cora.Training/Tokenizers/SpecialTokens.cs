namespace Cora.Training.Tokenizers;

/// <summary>
/// Which vocabulary entries act as BOS / EOS / PAD, and whether the files ask for BOS at all
/// (<c>add_bos_token</c> of tokenizer_config.json; true when no file says otherwise).
/// </summary>
public sealed record SpecialTokens(string? Bos, string? Eos, string? Pad, bool AddBos = true);
