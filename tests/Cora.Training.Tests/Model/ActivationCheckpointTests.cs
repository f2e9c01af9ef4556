using Cora.Training.FineTuning;
using Cora.Training.Lora;
using Cora.Training.Model;
using Cora.Training.Tests.FineTuning;
using Cora.Training.Tests.Lora;
using TorchSharp;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Model;

/// <summary>
/// Gradient checkpointing changes what is kept, not what is computed: on the CPU the loss, every
/// gradient, the random stream and the trained weights are bitwise those of a run without it (the
/// recomputation runs the same kernels on the same inputs with the same dropout masks, and autograd
/// sums each tensor's gradient contributions in the same order).
/// </summary>
[Collection(GlobalRandomGroup.Name)]
public sealed class ActivationCheckpointTests
{
    /// <summary>A tiny model prepared for <paramref name="setup"/>: "full-ft" (tied embeddings and
    /// biases, so the embedding gets gradients from both ends) or "cora-tb" with LoRA dropout on
    /// every projection (B non-zero, so A's gradients are not zero; the embeddings are frozen, so the
    /// first layer's input needs no gradient).</summary>
    private static LlamaForCausalLM Prepared(string setup)
    {
        if (setup == "full-ft")
            return LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(tied: true, bias: true), seed: 4);
        var model = LoraTestModels.Tiny();
        var config = LoraTestModels.Config(r: 4, [.. LlamaDecoderLayer.ProjectionNames]) with { LoraDropout = 0.25 };
        LoraInjector.Inject(model, config, LoraMethods.Parse(setup), seed: 1, (layer, projection) =>
            LoraTestModels.SyntheticBasis(rows: projection is "gate_proj" or "up_proj" ? 48 : 32, columns: 4)(layer, projection));
        return model;
    }

    private static CausalLmBatch Batch() =>
        CausalLmBatch.Collate([.. TrainerTests.Reversals(3, seed: 8), new TokenizedExample([1, 12, 5, 12, 2], 3)], padId: 0);

    /// <summary>Loss of one training-mode forward and backward from a fixed random state; the
    /// gradients stay on the parameters.</summary>
    private static float LossAndBackward(LlamaForCausalLM model, CausalLmBatch batch)
    {
        model.train();
        manual_seed(21);
        using var scope = NewDisposeScope();
        var loss = batch.SummedLoss(model.Forward(batch.InputIds, batch.AttentionMask)) / batch.RealTokens;
        loss.backward();
        return loss.item<float>();
    }

    [Theory]
    [InlineData("full-ft")]
    [InlineData("cora-tb")]
    public void One_backward_gives_bitwise_the_same_loss_gradients_and_random_stream(string setup)
    {
        using var plain = Prepared(setup);
        using var checkpointed = Prepared(setup);
        checkpointed.Model.GradientCheckpointing = true;
        using var batch = Batch();

        var expected = LossAndBackward(plain, batch);
        using var expectedRng = random.get_rng_state();
        var actual = LossAndBackward(checkpointed, batch);
        using var actualRng = random.get_rng_state();

        Assert.Equal(expected, actual);
        Assert.True(LoraTestModels.Same(expectedRng, actualRng), "the random stream after the step differs");
        var compared = 0;
        foreach (var ((name, p), (_, q)) in plain.named_parameters().Zip(checkpointed.named_parameters()))
        {
            Assert.Equal(p.requires_grad, q.requires_grad);
            if (!p.requires_grad) continue;
            Assert.True(p.grad is not null && q.grad is not null, $"{name} has no gradient");
            Assert.True(LoraTestModels.Same(p.grad!, q.grad!), $"{name}: gradients differ");
            Assert.True(p.grad!.abs().sum().item<float>() > 0, $"{name}: zero gradient compares nothing");
            compared++;
        }
        Assert.True(compared >= (setup == "full-ft" ? 20 : 28), $"only {compared} gradients compared");
    }

    [Fact]
    public void A_checkpointed_layer_keeps_no_activations_and_reads_its_weights_again_in_the_backward_pass()
    {
        // Without checkpointing autograd keeps the norm weight for the backward pass and refuses a
        // weight changed in place after the forward pass; with it, the forward pass kept nothing and
        // the recomputation simply reads the new weight. This is what tells the two paths apart.
        using var batch = Batch();
        foreach (var checkpointing in new[] { false, true })
        {
            using var model = Prepared("full-ft");
            model.Model.GradientCheckpointing = checkpointing;
            model.train();
            using var scope = NewDisposeScope();
            var loss = batch.SummedLoss(model.Forward(batch.InputIds, batch.AttentionMask));
            var weight = model.named_parameters().First(p => p.name == "model.layers.1.input_layernorm.weight").parameter;
            using (no_grad()) weight.mul_(2);
            if (checkpointing) loss.backward();
            else Assert.ThrowsAny<Exception>(() => loss.backward());
        }
    }

    [Theory]
    [InlineData("full-ft")]
    [InlineData("cora-tb")]
    public void Training_with_checkpointing_gives_bitwise_the_same_weights(string setup)
    {
        var data = TrainerTests.Reversals(24, seed: 6);
        var args = new TrainingArgs { LearningRate = 1e-2, MaxSteps = 4, BatchSize = 3, GradientAccumulationSteps = 2, Seed = 5 };
        using var plain = Prepared(setup);
        using var checkpointed = Prepared(setup);
        var expected = new Trainer(plain, args).Train(data);
        var actual = new Trainer(checkpointed, args with { GradientCheckpointing = true }).Train(data);

        Assert.True(checkpointed.Model.GradientCheckpointing);
        Assert.Equal(expected.Losses, actual.Losses);
        foreach (var ((name, p), (_, q)) in plain.named_parameters().Zip(checkpointed.named_parameters()))
            Assert.True(LoraTestModels.Same(p, q), $"{name} differs after training");
    }

    [Fact]
    public void Evaluation_and_generation_run_as_without_checkpointing()
    {
        using var plain = Prepared("cora-tb");
        using var checkpointed = Prepared("cora-tb");
        checkpointed.Model.GradientCheckpointing = true;
        var eval = TrainerTests.Reversals(8, seed: 9);

        Assert.Equal(Trainer.EvaluateLoss(plain, eval), Trainer.EvaluateLoss(checkpointed, eval));
        using var expected = LoraTestModels.Logits(plain);
        using var actual = LoraTestModels.Logits(checkpointed);
        Assert.True(LoraTestModels.Same(expected, actual));
        // Training mode without gradients (no backward can follow) builds no checkpoint either.
        checkpointed.train();
        using (no_grad())
        {
            using var ids = tensor(LoraTestModels.Ids).view(1, -1);
            using var cache = checkpointed.NewCache();
            using var logits = checkpointed.Forward(ids, cache: cache);
            Assert.False(logits.requires_grad);
            Assert.Equal(LoraTestModels.Ids.Length, cache.Length);
        }
    }
}
