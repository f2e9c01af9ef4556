using Cora.Training.Data;

namespace Cora.Training.Tests.Data;

public sealed class PromptTemplateTests
{
    [Fact]
    public void Prompt_without_input_is_the_alpaca_no_input_template()
    {
        var example = new AlpacaExample("Name the capital of France.", "", "Paris");
        Assert.Equal(
            "Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\nName the capital of France.\n\n### Response:\n",
            PromptTemplate.Prompt(example));
    }

    [Fact]
    public void Prompt_with_input_is_the_alpaca_input_template()
    {
        var example = new AlpacaExample("Make it plural.", "A cat runs.", "Cats run.");
        Assert.Equal(
            "Below is an instruction that describes a task, paired with an input that provides further context. "
            + "Write a response that appropriately completes the request.\n\n"
            + "### Instruction:\nMake it plural.\n\n### Input:\nA cat runs.\n\n### Response:\n",
            PromptTemplate.Prompt(example));
    }

    [Fact]
    public void Whitespace_input_counts_as_an_input_like_stanford_alpaca()
    {
        var example = new AlpacaExample("Echo.", " ", "x");
        Assert.Contains("### Input:\n \n\n", PromptTemplate.Prompt(example), StringComparison.Ordinal);
    }

    [Fact]
    public void Full_text_is_prompt_then_output_verbatim()
    {
        var example = new AlpacaExample("Write add.", "", "def add(a, b):\n    return a + b");
        Assert.Equal("def add(a, b):\n    return a + b", PromptTemplate.Response(example));
        Assert.Equal(PromptTemplate.Prompt(example) + "def add(a, b):\n    return a + b", PromptTemplate.FullText(example));
        Assert.EndsWith("### Response:\ndef add(a, b):\n    return a + b", PromptTemplate.FullText(example), StringComparison.Ordinal);
    }
}
