using Cora.Training.Data;
using Cora.Training.Tokenizers;

namespace Cora.Training.FineTuning;

/// <summary>
/// Turns alpaca examples into training sequences: <c>[BOS] prompt response [EOS]</c>, with the
/// prompt (template + instruction + input) as unscored context. Prompt and response are tokenized
/// separately so the boundary is exact whatever the tokenizer merges.
/// </summary>
public static class InstructionEncoder
{
    /// <summary>Response-only loss (instruction tuning).</summary>
    public static TokenizedExample Encode(CoraTokenizer tokenizer, AlpacaExample example)
    {
        var prompt = tokenizer.Encode(PromptTemplate.Prompt(example), addBos: true).Ids;
        var response = tokenizer.Encode(PromptTemplate.Response(example), addBos: false).Ids;
        return new TokenizedExample([.. prompt, .. response, .. Eos(tokenizer)], prompt.Count);
    }

    /// <summary>Loss on every token (language-model pretraining on the full text).</summary>
    public static TokenizedExample EncodeForPretraining(CoraTokenizer tokenizer, AlpacaExample example) =>
        Encode(tokenizer, example) with { PromptLength = 0 };

    private static int[] Eos(CoraTokenizer tokenizer) => tokenizer.EosId is int eos ? [eos] : [];
}
