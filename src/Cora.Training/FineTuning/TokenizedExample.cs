namespace Cora.Training.FineTuning;

/// <summary>
/// One training sequence: token ids, of which the first <see cref="PromptLength"/> are context
/// that is not scored (the prompt); loss is taken on the rest (the response). PromptLength 0 scores
/// every token after the first (plain language modelling).
/// </summary>
public sealed record TokenizedExample(int[] InputIds, int PromptLength)
{
    /// <summary>Cut to at most <paramref name="maxLength"/> tokens (keeping the start).</summary>
    public TokenizedExample Truncated(int maxLength) =>
        InputIds.Length <= maxLength ? this : new(InputIds[..maxLength], Math.Min(PromptLength, maxLength));

    /// <summary>Positions whose token is scored (predicted from the positions before it).</summary>
    public int ScoredTokens => InputIds.Length - Math.Max(1, PromptLength);
}
