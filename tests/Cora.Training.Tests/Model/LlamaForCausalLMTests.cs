using Cora.Training.Model;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Model;

/// <summary>Properties of the forward pass that hold for any weights (numbers against the
/// reference implementation are in <see cref="LlamaFixtureTests"/>).</summary>
public sealed class LlamaForCausalLMTests
{
    internal static LlamaConfig TinyConfig(int kvHeads = 2, bool tied = false, bool bias = false) => new()
    {
        VocabSize = 50,
        HiddenSize = 32,
        IntermediateSize = 48,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = kvHeads,
        HeadDim = 8,
        TieWordEmbeddings = tied,
        AttentionBias = bias,
        MlpBias = bias,
        MaxPositionEmbeddings = 64,
    };

    internal static LlamaForCausalLM Model(LlamaConfig config, long seed = 7)
    {
        var model = new LlamaForCausalLM(config);
        model.InitializeWeights(seed);
        // Larger weights than the 0.02 default so that every position really matters.
        using var _ = no_grad();
        foreach (var p in model.parameters()) if (p.dim() == 2) p.mul_(5);
        model.eval();
        return model;
    }

    [Theory]
    [InlineData(4, false, false)]  // multi-head
    [InlineData(2, true, true)]    // grouped-query, tied embeddings, biases
    public void Decoding_with_the_kv_cache_matches_the_full_forward(int kvHeads, bool tied, bool bias)
    {
        using var model = Model(TinyConfig(kvHeads, tied, bias));
        using var ids = tensor(new long[] { 3, 17, 5, 42, 8, 1, 29, 11 }).view(1, -1);
        using var _ = no_grad();
        using var full = model.Forward(ids);                                        // (1, 8, V)

        using var cache = model.NewCache();
        using var first = model.Forward(ids[.., ..3], cache: cache);               // prompt of 3
        AssertClose(full[.., ..3], first, 1e-5);
        for (var t = 3; t < 8; t++)
        {
            using var step = model.Forward(ids[.., t..(t + 1)], cache: cache);
            AssertClose(full[.., t..(t + 1)], step, 1e-5);
        }
        Assert.Equal(8, cache.Length);
    }

    [Fact]
    public void Left_padding_does_not_change_the_logits_of_real_tokens()
    {
        using var model = Model(TinyConfig());
        using var _ = no_grad();
        using var alone = model.Forward(tensor(new long[] { 4, 9, 16, 25 }).view(1, -1));
        using var padded = tensor(new long[] { 0, 0, 4, 9, 16, 25 }).view(1, -1);
        using var mask = tensor(new long[] { 0, 0, 1, 1, 1, 1 }).view(1, -1);
        using var logits = model.Forward(padded, mask);
        AssertClose(alone, logits[.., 2..], 1e-5);
    }

    [Fact]
    public void Later_tokens_do_not_influence_earlier_logits()
    {
        using var model = Model(TinyConfig());
        using var _ = no_grad();
        using var a = model.Forward(tensor(new long[] { 1, 2, 3, 4 }).view(1, -1));
        using var b = model.Forward(tensor(new long[] { 1, 2, 3, 40 }).view(1, -1));
        AssertClose(a[.., ..3], b[.., ..3], 0);
        Assert.True((a[0, 3] - b[0, 3]).abs().max().item<float>() > 1e-3, "the last token must matter");
    }

    [Fact]
    public void Parameter_names_and_shapes_are_hugging_faces()
    {
        using var model = new LlamaForCausalLM(TinyConfig(kvHeads: 2));
        var shapes = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal([50, 32], shapes["model.embed_tokens.weight"]);
        Assert.Equal([32, 32], shapes["model.layers.1.self_attn.q_proj.weight"]);
        Assert.Equal([16, 32], shapes["model.layers.1.self_attn.k_proj.weight"]);
        Assert.Equal([16, 32], shapes["model.layers.1.self_attn.v_proj.weight"]);
        Assert.Equal([32, 32], shapes["model.layers.1.self_attn.o_proj.weight"]);
        Assert.Equal([48, 32], shapes["model.layers.0.mlp.gate_proj.weight"]);
        Assert.Equal([48, 32], shapes["model.layers.0.mlp.up_proj.weight"]);
        Assert.Equal([32, 48], shapes["model.layers.0.mlp.down_proj.weight"]);
        Assert.Equal([32], shapes["model.layers.0.input_layernorm.weight"]);
        Assert.Equal([32], shapes["model.layers.0.post_attention_layernorm.weight"]);
        Assert.Equal([32], shapes["model.norm.weight"]);
        Assert.Equal([50, 32], shapes["lm_head.weight"]);
        Assert.Equal(2 + 2 * 9 + 1, shapes.Count);

        using var tied = new LlamaForCausalLM(TinyConfig(tied: true));
        Assert.DoesNotContain(tied.named_parameters(), p => p.name == "lm_head.weight");
    }

    [Fact]
    public void Initialisation_is_seeded()
    {
        using var a = new LlamaForCausalLM(TinyConfig());
        using var b = new LlamaForCausalLM(TinyConfig());
        a.InitializeWeights(3);
        b.InitializeWeights(3);
        foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(pa.equal(pb).all().item<bool>(), name);
        b.InitializeWeights(4);
        Assert.False(a.named_parameters().First().parameter.equal(b.named_parameters().First().parameter).all().item<bool>());
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tolerance, $"max |difference| {diff} > {tolerance}");
    }
}
