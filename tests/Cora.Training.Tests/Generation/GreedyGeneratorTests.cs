using Cora.Training.Generation;
using Cora.Training.Model;
using Cora.Training.Tests.Model;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Generation;

public sealed class GreedyGeneratorTests : IDisposable
{
    private readonly LlamaForCausalLM _model = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(kvHeads: 2), seed: 21);

    public void Dispose() => _model.Dispose();

    private static readonly int[][] Prompts = [[1, 7, 3], [1, 30, 31, 32, 33, 34], [1], [1, 9, 9, 9, 12]];

    /// <summary>Greedy decoding the slow way: the whole sequence through the model every step.</summary>
    private List<int> Naive(int[] prompt, int steps)
    {
        using var _ = no_grad();
        var sequence = prompt.Select(t => (long)t).ToList();
        for (var i = 0; i < steps; i++)
        {
            using var logits = _model.Forward(tensor(sequence.ToArray()).view(1, -1));
            sequence.Add(logits[0, -1].argmax().item<long>());
        }
        return sequence.Skip(prompt.Length).Select(t => (int)t).ToList();
    }

    [Fact]
    public void Cached_batched_decoding_equals_naive_decoding_of_each_prompt()
    {
        var outputs = GreedyGenerator.Generate(_model, Prompts, maxNewTokens: 6, eosId: null);
        Assert.Equal(Prompts.Length, outputs.Count);
        for (var i = 0; i < Prompts.Length; i++)
            Assert.Equal(Naive(Prompts[i], 6), outputs[i]);
    }

    [Fact]
    public void A_row_stops_at_eos_without_emitting_it_while_others_go_on()
    {
        var free = Naive(Prompts[1], 6);
        var eos = free[2];                                   // the third token this prompt would produce
        var outputs = GreedyGenerator.Generate(_model, Prompts, maxNewTokens: 6, eosId: eos);
        Assert.Equal(free.TakeWhile(t => t != eos), outputs[1]);
        for (var i = 0; i < Prompts.Length; i++)
        {
            Assert.DoesNotContain(eos, outputs[i]);
            Assert.Equal(Naive(Prompts[i], 6).TakeWhile(t => t != eos), outputs[i]);
        }
    }

    [Fact]
    public void Batch_composition_does_not_change_a_rows_output()
    {
        var alone = GreedyGenerator.Generate(_model, [Prompts[0]], maxNewTokens: 5, eosId: null);
        var together = GreedyGenerator.Generate(_model, Prompts, maxNewTokens: 5, eosId: null);
        Assert.Equal(alone[0], together[0]);
        Assert.All(together, o => Assert.Equal(5, o.Length));
    }

    [Fact]
    public void Predictions_file_has_the_evaluator_shape()
    {
        using var temp = new TempDirectory();
        Prediction.Save(temp.File("p.jsonl"), [new("a-1", "def f():\n    return 1", "ref \"q\""), new("a-2", "", "x")]);
        Assert.Equal(
            "{\"id\":\"a-1\",\"prediction\":\"def f():\\n    return 1\",\"reference\":\"ref \\\"q\\\"\"}\n" +
            "{\"id\":\"a-2\",\"prediction\":\"\",\"reference\":\"x\"}\n",
            File.ReadAllText(temp.File("p.jsonl")));
    }
}
