using Cora.Training.Scoring.BertScore;
using Cora.Training.Model;
using Cora.Training.Tests.Model;
using Cora.Training.Tokenizers;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Scoring.BertScore;

/// <summary>
/// Base mode: BERTScore's pipeline on a Llama checkpoint's hidden states (a random tiny Llama with
/// the zoo's byte tokenizer: BOS then one token per byte).
/// </summary>
public sealed class LlamaBaseModeTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public LlamaBaseModeTests()
    {
        using var model = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(kvHeads: 4) with { VocabSize = ByteTokenizer.VocabSize }, seed: 3);
        LlamaCheckpoint.Save(model, _temp.Path);
        File.WriteAllText(_temp.File("tokenizer.json"), ByteTokenizer.TokenizerJson().ToJsonString());
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Hidden_states_are_the_embeddings_then_each_layer_and_the_last_is_normed()
    {
        using var model = LlamaCheckpoint.Load(_temp.Path);
        using var _ = no_grad();
        using var ids = tensor(new long[] { 1, 20, 30, 40, 1, 50, 0, 0 }).view(2, 4);
        using var mask = tensor(new long[] { 1, 1, 1, 1, 1, 1, 0, 0 }).view(2, 4);
        using var embeddings = model.Model.HiddenState(ids, mask, 0);
        Assert.True(embeddings.allclose(model.Model.EmbedTokens.forward(ids)));
        using var last = model.Model.HiddenState(ids, mask, 2);
        using var forward = model.Model.Forward(ids, mask);
        Assert.True(last.allclose(forward));
        using var middle = model.Model.HiddenState(ids, mask, 1);
        Assert.False(middle.allclose(last, atol: 1e-3));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Model.HiddenState(ids, mask, 3));
    }

    [Fact]
    public void Scores_are_greedy_matching_of_the_named_layers_states_with_bos_weighing_zero()
    {
        using var scorer = BertScorer.Load(new BertScoreOptions(_temp.Path) { Layer = 1, BatchSize = 2 });
        Assert.Equal(new BertScoreSettings(_temp.Path, "llama", new BertScoreLayer(1, BertScoreLayerSource.Given, null, "as given"), false, null, Comparable: false), scorer.Settings);
        (string, string)[] pairs = [("the cat", "the cat"), ("a dog ran", "the cat sat"), ("", "the cat"), ("  hi ", "hi")];
        var scores = scorer.Score(pairs);

        Assert.Equal(1, scores[0].F1, 1e-6);
        Assert.Equal(new BertScoreValues(0, 0, 0), scores[2]);
        Assert.Equal(1, scores[3].F1, 1e-6);                     // both sides strip to "hi"

        // Pair 1 by hand: states of each text alone (no padding), cosines, BOS (id 1) weighing 0.
        using var model = LlamaCheckpoint.Load(_temp.Path);
        using var _ = no_grad();
        double[][] States(string text)
        {
            var ids = scorer.Tokenizer.Encode(text);
            Assert.Equal(ByteTokenizer.Bos, scorer.Tokenizer.Tokenizer.IdToToken(ids[0]));
            using var input = tensor(ids.Select(i => (long)i).ToArray()).view(1, -1);
            using var mask = ones_like(input);
            using var hidden = model.Model.HiddenState(input, mask, 1)[0];
            return Enumerable.Range(0, ids.Length).Select(t => hidden[t].to(float64).data<double>().ToArray()).ToArray();
        }
        var candidate = States("a dog ran");
        var reference = States("the cat sat");
        double[] Weights(int n) => [0, .. Enumerable.Repeat(1.0, n - 1)];
        var expected = GreedyMatching.Score(candidate, Weights(candidate.Length), reference, Weights(reference.Length), false, false);
        Assert.Equal(expected.Precision, scores[1].Precision, 1e-5);
        Assert.Equal(expected.Recall, scores[1].Recall, 1e-5);
        Assert.Equal(expected.F1, scores[1].F1, 1e-5);
        Assert.True(scores[1].F1 < 0.999);
    }

    [Fact]
    public void Base_mode_needs_a_layer()
    {
        var e = Assert.Throws<InvalidInputException>(() => BertScorer.Load(new BertScoreOptions(_temp.Path)));
        Assert.Contains("needs a layer", e.Message);
    }
}
