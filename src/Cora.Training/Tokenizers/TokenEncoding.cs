namespace Cora.Training.Tokenizers;

/// <summary>
/// The result of encoding a text: token ids and, at the same positions, the vocabulary strings of
/// those tokens as the tokenizer file spells them ("▁gr", "&lt;0x0A&gt;", "Ġworld", "&lt;s&gt;").
/// </summary>
public sealed record TokenEncoding(IReadOnlyList<int> Ids, IReadOnlyList<string> Pieces);
