using Cora.Training.Lora;
using Cora.Training.Model;
using Cora.Training.Tests.Model;
using static Cora.Training.Tests.Lora.LoraTestModels;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Lora;

public sealed class LoraInjectorTests
{
    private static long BaseParameters(LlamaConfig config)
    {
        using var model = new LlamaForCausalLM(config);
        return model.parameters().Sum(p => p.numel());
    }

    [Theory]
    // MHA, r = 4, q/k/v of 2 layers: LoRA trains A (4×32) and B (32×4) per target.
    [InlineData("lora", 2 * 3 * (4 * 32 + 32 * 4))]
    [InlineData("cora-tb", 2 * 3 * (4 * 32 + 32 * 4))]
    [InlineData("pissa", 2 * 3 * (4 * 32 + 32 * 4))]
    [InlineData("cora-fb", 2 * 3 * (4 * 32))]
    [InlineData("zeros-fb", 2 * 3 * (4 * 32))]
    [InlineData("ones-fb", 2 * 3 * (4 * 32))]
    [InlineData("random-fb", 2 * 3 * (4 * 32))]
    [InlineData("mica-fb", 2 * 3 * (4 * 32))]
    public void Trainable_parameter_counts_are_exact(string name, long trainable)
    {
        using var model = Tiny();
        var sites = LoraInjector.Inject(model, Config(), LoraMethods.Parse(name), seed: 1, SyntheticBasis());
        Assert.Equal(6, sites.Count);
        var counts = ParameterCounts.Of(model);
        Assert.Equal(trainable, counts.Trainable);
        Assert.Equal(BaseParameters(Mha) + 2 * 3 * (4 * 32 + 32 * 4), counts.Total);
        Assert.All(model.named_parameters(), p =>
            Assert.Equal(p.name.Contains(".lora_", StringComparison.Ordinal) && (p.name.EndsWith("lora_A.weight", StringComparison.Ordinal) || trainable == 1536),
                p.parameter.requires_grad));
    }

    [Fact]
    public void Cora_fb_trains_half_of_lora_at_the_same_rank_when_out_equals_in()
    {
        using var lora = Tiny();
        using var cora = Tiny();
        LoraInjector.Inject(lora, Config(r: 8), LoraMethod.Lora, seed: 1);
        LoraInjector.Inject(cora, Config(r: 8), LoraMethod.CoraFb, seed: 1, SyntheticBasis(columns: 8));
        Assert.Equal(ParameterCounts.Of(lora).Trainable, 2 * ParameterCounts.Of(cora).Trainable);
    }

    [Fact]
    public void Counts_follow_the_projection_shapes_with_grouped_query_attention_and_other_targets()
    {
        using var model = Tiny(Gqa);
        LoraInjector.Inject(model, Config(4, "q_proj", "v_proj", "down_proj"), LoraMethod.Lora, seed: 1);
        // q: 4×32 + 32×4; v: 4×32 + 16×4; down (32 × 48): 4×48 + 32×4.
        Assert.Equal(2 * (256 + 192 + 320), ParameterCounts.Of(model).Trainable);
        var names = model.named_parameters().Select(p => p.name).ToHashSet();
        Assert.Contains("model.layers.1.mlp.down_proj.base_layer.weight", names);
        Assert.Contains("model.layers.1.mlp.down_proj.lora_B.weight", names);
        Assert.Contains("model.layers.0.self_attn.k_proj.weight", names);
    }

    [Fact]
    public void Full_ft_adds_nothing_and_trains_everything()
    {
        using var model = Tiny();
        foreach (var p in model.parameters()) p.requires_grad = false;
        Assert.Empty(LoraInjector.Inject(model, Config(), LoraMethod.FullFt, seed: 1));
        var counts = ParameterCounts.Of(model);
        Assert.Equal(BaseParameters(Mha), counts.Total);
        Assert.Equal(counts.Total, counts.Trainable);
    }

    [Fact]
    public void Wrapping_keeps_parameter_order_and_hugging_face_names()
    {
        using var model = Tiny();
        var before = model.named_parameters().Select(p => p.name).ToList();
        LoraInjector.Inject(model, Config(), LoraMethod.Lora, seed: 1);
        var after = model.named_parameters().Select(p => p.name).Where(n => !n.Contains(".lora_", StringComparison.Ordinal))
            .Select(n => n.Replace(".base_layer.", ".", StringComparison.Ordinal)).ToList();
        Assert.Equal(before, after);
        var layer0 = model.named_parameters().Select(p => p.name).Where(n => n.StartsWith("model.layers.0.self_attn.", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "model.layers.0.self_attn.q_proj.base_layer.weight", "model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.q_proj.lora_B.weight",
            "model.layers.0.self_attn.k_proj.base_layer.weight", "model.layers.0.self_attn.k_proj.lora_A.weight", "model.layers.0.self_attn.k_proj.lora_B.weight",
            "model.layers.0.self_attn.v_proj.base_layer.weight", "model.layers.0.self_attn.v_proj.lora_A.weight", "model.layers.0.self_attn.v_proj.lora_B.weight",
            "model.layers.0.self_attn.o_proj.weight",
        ], layer0);
    }

    [Theory]
    [InlineData(LoraMethod.Lora)]
    [InlineData(LoraMethod.ZerosFb)]
    [InlineData(LoraMethod.MicaFb)]
    public void Methods_that_start_at_zero_leave_the_logits_unchanged(LoraMethod method)
    {
        using var model = Tiny();
        using var before = Logits(model);
        LoraInjector.Inject(model, Config(), method, seed: 1);
        using var after = Logits(model);
        Assert.True(Same(before, after));
    }

    [Fact]
    public void Zeros_fb_never_changes_the_outputs_even_after_training()
    {
        using var model = Tiny();
        using var before = Logits(model);
        LoraInjector.Inject(model, Config(), LoraMethod.ZerosFb, seed: 1);
        Assert.Equal(4, Train(model).Steps);
        using var after = Logits(model);
        Assert.True(Same(before, after));

        // The same training does move a model whose frozen B is not zero: the check above can fail.
        using var control = Tiny();
        LoraInjector.Inject(control, Config(), LoraMethod.OnesFb, seed: 1);
        using var start = Logits(control);
        Train(control);
        using var trained = Logits(control);
        Assert.False(Same(start, trained));
    }

    [Theory]
    [InlineData(LoraMethod.CoraFb)]
    [InlineData(LoraMethod.OnesFb)]
    [InlineData(LoraMethod.RandomFb)]
    [InlineData(LoraMethod.MicaFb)]
    public void A_frozen_b_keeps_its_bytes_through_training(LoraMethod method)
    {
        using var model = Tiny();
        var sites = LoraInjector.Inject(model, Config(), method, seed: 1, SyntheticBasis());
        var frozen = sites.Select(s => s.Module.B.detach().clone()).ToList();
        var a0 = sites.Select(s => s.Module.A.detach().clone()).ToList();
        Train(model);
        for (var i = 0; i < sites.Count; i++)
        {
            Assert.True(Same(frozen[i], sites[i].Module.B), sites[i].Path);
            Assert.False(Same(a0[i], sites[i].Module.A), $"{sites[i].Path}: A did not train");
        }
    }

    [Fact]
    public void A_trainable_b_moves_in_lora()
    {
        using var model = Tiny();
        var sites = LoraInjector.Inject(model, Config(), LoraMethod.Lora, seed: 1);
        Train(model);
        Assert.True(sites[0].Module.B.detach().abs().max().item<float>() > 0);
    }

    [Fact]
    public void A_is_kaiming_uniform_within_one_over_root_fan_in_and_seeded()
    {
        using var a = Tiny();
        using var b = Tiny();
        using var c = Tiny();
        var sa = LoraInjector.Inject(a, Config(r: 16), LoraMethod.Lora, seed: 5);
        var sb = LoraInjector.Inject(b, Config(r: 16), LoraMethod.CoraFb, seed: 5, SyntheticBasis(columns: 16));
        var sc = LoraInjector.Inject(c, Config(r: 16), LoraMethod.Lora, seed: 6);
        var bound = 1 / Math.Sqrt(32);
        var all = cat(sa.Select(s => s.Module.A.detach().flatten()).ToArray());   // 6 × 512 values
        Assert.True(all.abs().max().item<float>() <= bound);
        // Uniform on ±bound: the extremes are reached and the spread is bound/√3.
        Assert.True(all.abs().max().item<float>() > 0.98 * bound);
        Assert.InRange(all.std().item<float>(), 0.95 * bound / Math.Sqrt(3), 1.05 * bound / Math.Sqrt(3));
        Assert.InRange(all.mean().item<float>(), -0.02 * bound, 0.02 * bound);
        // Same seed, same A, whatever the method; another seed, another A; every module differs.
        for (var i = 0; i < sa.Count; i++)
        {
            Assert.True(Same(sa[i].Module.A, sb[i].Module.A), sa[i].Path);
            Assert.False(Same(sa[i].Module.A, sc[i].Module.A), sa[i].Path);
        }
        Assert.False(Same(sa[0].Module.A, sa[1].Module.A));
    }

    [Fact]
    public void Random_fb_columns_are_orthonormal_and_seeded()
    {
        using var a = Tiny(Gqa);
        using var b = Tiny(Gqa);
        var sa = LoraInjector.Inject(a, Config(r: 8), LoraMethod.RandomFb, seed: 2);
        var sb = LoraInjector.Inject(b, Config(r: 8), LoraMethod.RandomFb, seed: 2);
        foreach (var (site, other) in sa.Zip(sb))
        {
            var bm = site.Module.B.detach();
            LlamaForCausalLMTests.AssertClose(eye(8), bm.t().matmul(bm), 1e-5);
            Assert.True(Same(bm, other.Module.B));
        }
        Assert.False(Same(sa[0].Module.B, sa[3].Module.B));
    }

    [Fact]
    public void Cora_b_is_the_given_basis_prefix()
    {
        using var model = Tiny();
        var basis = SyntheticBasis(columns: 6);
        var sites = LoraInjector.Inject(model, Config(r: 4), LoraMethod.CoraTb, seed: 1, basis);
        foreach (var site in sites)
        {
            using var expected = basis(site.Layer, site.Projection);
            Assert.True(Same(expected[.., ..4], site.Module.B), site.Path);
        }
    }

    [Fact]
    public void A_basis_of_the_wrong_shape_or_a_missing_basis_is_refused()
    {
        using var model = Tiny();
        var e = Assert.Throws<InvalidInputException>(() => LoraInjector.Inject(model, Config(r: 8), LoraMethod.CoraFb, seed: 1, SyntheticBasis(columns: 6)));
        Assert.Contains("layer 0 q_proj", e.Message);
        Assert.Contains("R ≥ r = 8", e.Message);
        using var other = Tiny();
        Assert.Throws<ArgumentException>(() => LoraInjector.Inject(other, Config(), LoraMethod.CoraFb, seed: 1));
    }

    [Theory]
    [InlineData("cora-fb")]
    [InlineData("cora-tb")]
    [InlineData("random-fb")]
    [InlineData("ones-fb")]
    public void A_init_zeros_starts_exactly_at_the_base_and_keeps_b(string name)
    {
        var method = LoraMethods.Parse(name);
        using var model = Tiny();
        using var kaiming = Tiny();
        using var before = Logits(model);
        var sites = LoraInjector.Inject(model, Config(), method, seed: 3, SyntheticBasis(), AInit.Zeros);
        var reference = LoraInjector.Inject(kaiming, Config(), method, seed: 3, SyntheticBasis());
        using var after = Logits(model);

        Assert.True(Same(before, after));
        Assert.Equal(0.0, LoraInjector.StartDisplacement(sites));
        Assert.All(sites, s => Assert.Equal(0f, s.Module.A.abs().max().item<float>()));
        Assert.All(sites.Zip(reference), p => Assert.True(Same(p.First.Module.B, p.Second.Module.B), p.First.Path));
        Assert.True(sites[0].Module.A.requires_grad);
    }

    [Fact]
    public void The_start_displacement_of_an_orthonormal_b_is_the_norm_of_s_a()
    {
        // B has orthonormal columns, so ‖s·B·A₀‖_F = s·‖A₀‖_F exactly; Kaiming-uniform A₀ has
        // E‖A₀‖²_F = r/3 whatever in is, the s·√(r/3) of the paper-literal init.
        using var model = Tiny();
        var sites = LoraInjector.Inject(model, Config(r: 4), LoraMethod.CoraFb, seed: 1, SyntheticBasis());
        var expected = sites.Average(site =>
            site.Module.Scaling * site.Module.A.norm().item<float>() / (double)site.Module.BaseLayer.weight!.norm().item<float>());
        Assert.Equal(expected, LoraInjector.StartDisplacement(sites), 5);
        var meanA = sites.Average(site => (double)site.Module.A.norm().item<float>());
        Assert.InRange(meanA, 0.7 * Math.Sqrt(4 / 3.0), 1.3 * Math.Sqrt(4 / 3.0));
    }

    [Theory]
    [InlineData("lora")]
    [InlineData("zeros-fb")]
    [InlineData("pissa")]
    [InlineData("mica-fb")]
    [InlineData("full-ft")]
    public void A_init_zeros_is_refused_where_b_starts_at_zero_or_a_is_the_methods_own(string name)
    {
        using var model = Tiny();
        var e = Assert.Throws<InvalidInputException>(() => LoraInjector.Inject(model, Config(), LoraMethods.Parse(name), seed: 1, null, AInit.Zeros));
        Assert.Contains($"a-init zeros is not a choice for {name}", e.Message);
        Assert.All(model.parameters(), p => Assert.True(p.requires_grad));
    }

    [Theory]
    [InlineData("lora")]
    [InlineData("pissa")]
    [InlineData("mica-fb")]
    public void Methods_that_start_at_the_base_have_no_start_displacement(string name)
    {
        using var model = Tiny();
        var sites = LoraInjector.Inject(model, Config(), LoraMethods.Parse(name), seed: 1);
        Assert.Equal(0.0, LoraInjector.StartDisplacement(sites));
    }

    [Fact]
    public void Pissa_starts_where_the_base_model_is()
    {
        using var model = Tiny();
        using var original = model.named_parameters().First(p => p.name == "model.layers.0.self_attn.q_proj.weight").parameter.detach().clone();
        using var before = Logits(model);
        var sites = LoraInjector.Inject(model, Config(r: 4), LoraMethod.Pissa, seed: 1);
        using var after = Logits(model);
        LlamaForCausalLMTests.AssertClose(before, after, 1e-4);
        // W_res + s·B·A = W, and B·A is W's best rank-4 approximation (scaled by 1/s).
        var q = sites[0].Module;
        LlamaForCausalLMTests.AssertClose(original, q.MergedWeight(), 1e-5);
        var (u, s, vh) = linalg.svd(original, fullMatrices: false);
        using var top = u[.., ..4].matmul(diag(s[..4])).matmul(vh[..4]);
        LlamaForCausalLMTests.AssertClose(top, q.Delta(), 1e-4);
        Assert.False(Same(original, q.BaseLayer.weight!));
    }

    [Fact]
    public void Mica_b_is_the_smallest_left_singular_vectors_and_a_is_zero()
    {
        using var model = Tiny();
        using var w = model.named_parameters().First(p => p.name == "model.layers.1.self_attn.v_proj.weight").parameter.detach().clone();
        var sites = LoraInjector.Inject(model, Config(r: 4), LoraMethod.MicaFb, seed: 1);
        var v = sites.Single(s => s.Layer == 1 && s.Projection == "v_proj").Module;
        Assert.Equal(0, v.A.detach().abs().max().item<float>());
        var (u, _, _) = linalg.svd(w, fullMatrices: false);
        // Singular vectors are defined up to sign: compare the projectors.
        using var expected = u[.., 28..].matmul(u[.., 28..].t());
        using var actual = v.B.detach().matmul(v.B.detach().t());
        LlamaForCausalLMTests.AssertClose(expected, actual, 1e-4);
        Assert.True(Same(w, v.BaseLayer.weight!), "mica must not touch the base weight");
    }

    [Fact]
    public void Merging_gives_plain_projections_with_the_same_outputs()
    {
        using var model = Tiny();
        LoraInjector.Inject(model, Config(), LoraMethod.RandomFb, seed: 1);
        using var adapted = Logits(model);
        Assert.Equal(6, LoraInjector.MergeAndUnload(model));
        Assert.Empty(LoraInjector.Adapters(model));
        using var merged = Logits(model);
        LlamaForCausalLMTests.AssertClose(adapted, merged, 1e-4);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains("lora_", StringComparison.Ordinal));
        Assert.Equal(BaseParameters(Mha), model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Dropout_acts_only_in_training_mode()
    {
        using var model = Tiny();
        var sites = LoraInjector.Inject(model, Config() with { LoraDropout = 0.5 }, LoraMethod.OnesFb, seed: 1);
        using var x = ones(2, 32);
        using var _ = no_grad();
        using var eval1 = sites[0].Module.forward(x);
        using var eval2 = sites[0].Module.forward(x);
        Assert.True(Same(eval1, eval2));
        model.train();
        using var train = sites[0].Module.forward(x);
        Assert.False(Same(eval1, train));
    }
}
