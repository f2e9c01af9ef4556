using Cora.Training.Data;
using Cora.Training.Model;
using Cora.Training.Tokenizers;

namespace Cora.Training.Generation;

/// <summary>
/// Answers alpaca examples with a model: the prompt template up to "### Response:\n", BOS first,
/// greedy continuation until EOS. The prediction is the decoded continuation; the reference is
/// the example's output.
/// </summary>
public static class InstructionGenerator
{
    public static IReadOnlyList<Prediction> Generate(LlamaForCausalLM model, CoraTokenizer tokenizer,
        IReadOnlyList<AlpacaExample> examples, int maxNewTokens = 128, int batchSize = 8,
        IProgress<int>? progress = null, CancellationToken cancellation = default)
    {
        // Keep room for the answer inside the model's context: long prompts lose their start.
        var maxPrompt = Math.Max(1, model.Config.MaxPositionEmbeddings - maxNewTokens);
        var predictions = new List<Prediction>(examples.Count);
        foreach (var chunk in examples.Chunk(batchSize))
        {
            cancellation.ThrowIfCancellationRequested();
            var prompts = chunk.Select(e => tokenizer.Encode(PromptTemplate.Prompt(e), addBos: true).Ids.ToArray())
                .Select(p => p.Length <= maxPrompt ? p : p[^maxPrompt..]).ToList();
            var outputs = GreedyGenerator.Generate(model, prompts, maxNewTokens, tokenizer.EosId);
            predictions.AddRange(chunk.Select((e, i) =>
                new Prediction(e.Id ?? $"{predictions.Count + i}", tokenizer.Decode(outputs[i]), e.Output)));
            progress?.Report(predictions.Count);
        }
        return predictions;
    }
}
