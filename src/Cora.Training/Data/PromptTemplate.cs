namespace Cora.Training.Data;

/// <summary>
/// The alpaca prompt template, in the two variants chosen by whether the input is empty.
/// The wording is Stanford Alpaca's (tatsu-lab/stanford_alpaca <c>PROMPT_DICT</c>); like
/// Alpaca-LoRA's default template (tloen/alpaca-lora <c>templates/alpaca.json</c>, the setup
/// alpaca-cleaned was published for) it ends with a newline after "### Response:", which
/// Stanford's original omits. The trainer computes loss on <see cref="Response"/> tokens only,
/// so prompt and response are exposed separately; <see cref="FullText"/> is their concatenation
/// and never anything else (the tokenizer adds BOS/EOS, not this class).
/// </summary>
public static class PromptTemplate
{
    /// <summary>Template for examples whose input is empty.</summary>
    public const string NoInputHeader =
        "Below is an instruction that describes a task. "
        + "Write a response that appropriately completes the request.\n\n";

    /// <summary>Template header for examples with an input.</summary>
    public const string InputHeader =
        "Below is an instruction that describes a task, paired with an input that provides further context. "
        + "Write a response that appropriately completes the request.\n\n";

    /// <summary>The marker after which the response starts, newline included.</summary>
    public const string ResponseMarker = "### Response:\n";

    /// <summary>Everything the model is conditioned on, up to and including "### Response:\n".</summary>
    public static string Prompt(AlpacaExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        // Stanford Alpaca tests `example.get("input", "") != ""`: only the empty string counts
        // as "no input"; whitespace is an input.
        return example.Input.Length == 0
            ? $"{NoInputHeader}### Instruction:\n{example.Instruction}\n\n{ResponseMarker}"
            : $"{InputHeader}### Instruction:\n{example.Instruction}\n\n### Input:\n{example.Input}\n\n{ResponseMarker}";
    }

    /// <summary>The text the model learns to produce after the prompt: the output, verbatim.</summary>
    public static string Response(AlpacaExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        return example.Output;
    }

    /// <summary>The training text: <see cref="Prompt"/> followed by <see cref="Response"/>.</summary>
    public static string FullText(AlpacaExample example) => Prompt(example) + Response(example);
}
