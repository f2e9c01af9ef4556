using Cora.Training.Model;
using Cora.Training.Tests.Model;
using Cora.Training.FineTuning;
using static TorchSharp.torch;

namespace Cora.Training.Tests.FineTuning;

public sealed class TrainerTests
{
    // Prompt "a b" → response "b a": a reversal the tiny model can learn.
    internal static List<TokenizedExample> Reversals(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            int a = random.Next(10, 30), b = random.Next(10, 30);
            return new TokenizedExample([1, a, b, 5, b, a, 2], PromptLength: 4);
        }).ToList();
    }

    private static readonly TrainingArgs Args = new()
    {
        LearningRate = 3e-3, MaxSteps = 60, BatchSize = 8, WarmupSteps = 5, LrSchedulerType = "cosine", Seed = 11,
    };

    [Fact]
    public void Training_lowers_held_out_loss()
    {
        using var model = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(), seed: 1);
        var eval = Reversals(32, seed: 99);
        var before = Trainer.EvaluateLoss(model, eval);
        var result = new Trainer(model, Args).Train(Reversals(256, seed: 1));
        var after = Trainer.EvaluateLoss(model, eval);
        Assert.Equal(60, result.Steps);
        Assert.True(after < before * 0.6, $"eval loss {before} → {after}");
    }

    [Fact]
    public void Same_seed_same_weights_and_frozen_parameters_stay_put()
    {
        var data = Reversals(64, seed: 2);
        var args = Args with { MaxSteps = 5, GradientAccumulationSteps = 2, BatchSize = 4 };
        using var a = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(), seed: 3);
        using var b = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(), seed: 3);
        var frozen = b.named_parameters().First(p => p.name == "model.embed_tokens.weight").parameter;
        using var before = frozen.detach().clone();
        frozen.requires_grad = false;
        a.named_parameters().First(p => p.name == "model.embed_tokens.weight").parameter.requires_grad = false;

        var ra = new Trainer(a, args).Train(data);
        var rb = new Trainer(b, args).Train(data);
        Assert.Equal(ra.Losses, rb.Losses);
        foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(pa.equal(pb).all().item<bool>(), name);
        Assert.True(before.equal(frozen).all().item<bool>(), "a frozen parameter changed");
    }

    [Fact]
    public void A_non_finite_loss_stops_training_before_the_step()
    {
        using var model = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(), seed: 6);
        var embeddings = model.named_parameters().First(p => p.name == "model.embed_tokens.weight").parameter;
        using (no_grad()) embeddings[20, 0] = float.PositiveInfinity;   // token 20 poisons every sequence it is in
        var poisoned = Reversals(16, seed: 3).Select(e => new TokenizedExample([1, 20, .. e.InputIds[1..]], 5)).ToList();
        var q = model.named_parameters().First(p => p.name == "model.layers.0.self_attn.q_proj.weight").parameter;
        using var before = q.detach().clone();

        var e = Assert.Throws<TrainingDivergedException>(() => new Trainer(model, Args with { WarmupSteps = 0 }).Train(poisoned));
        Assert.Contains("training diverged at step 1/60", e.Message);
        Assert.True(before.equal(q).all().item<bool>(), "the diverged step must not be applied");
    }

    [Fact]
    public void Accumulation_gives_the_gradient_of_the_whole_batch()
    {
        // Two micro-batches of 4 with accumulation must take the same step as one batch of 8.
        var data = Reversals(8, seed: 4);
        using var a = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(), seed: 5);
        using var b = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig(), seed: 5);
        var ra = new Trainer(a, Args with { MaxSteps = 1, BatchSize = 8, WarmupSteps = 0 }).Train(data);
        var rb = new Trainer(b, Args with { MaxSteps = 1, BatchSize = 4, GradientAccumulationSteps = 2, WarmupSteps = 0 }).Train(data);
        Assert.Equal(ra.Losses[0], rb.Losses[0], 5);
        foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
            LlamaForCausalLMTests.AssertClose(pa, pb, 1e-5);
    }

    [Fact]
    public void Loss_counts_only_response_tokens()
    {
        using var batch = CausalLmBatch.Collate([new TokenizedExample([1, 7, 8, 9], PromptLength: 2), new([1, 6], 0)], padId: 0);
        Assert.Equal(new long[] { -100, -100, 8, 9, -100, 6, -100, -100 }, batch.Labels.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 1, 0, 0 }, batch.AttentionMask.data<long>().ToArray());
        // Uniform logits: each of the 3 scored tokens costs log(V).
        using var logits = zeros(2, 4, 10);
        Assert.Equal(3 * Math.Log(10), batch.SummedLoss(logits).item<float>(), 4);
    }

    [Theory]
    [InlineData("linear", new[] { 0.0, 0.5, 1.0, 2.0 / 3, 1.0 / 3, 0.0 })]
    [InlineData("cosine", new[] { 0.0, 0.5, 1.0, 0.75, 0.25, 0.0 })]
    [InlineData("constant_with_warmup", new[] { 0.0, 0.5, 1.0, 1.0, 1.0, 1.0 })]
    [InlineData("constant", new[] { 1.0, 1.0, 1.0, 1.0, 1.0, 1.0 })]
    public void Schedules_have_transformers_shapes(string type, double[] expected)
    {
        var actual = Enumerable.Range(0, 6).Select(step => LrSchedule.Multiplier(type, step, totalSteps: 5, warmupSteps: 2));
        Assert.Equal(expected, actual, (x, y) => Math.Abs(x - y) < 1e-12);
    }

    [Fact]
    public void Arguments_are_saved_with_hugging_face_names_and_reload()
    {
        using var temp = new TempDirectory();
        Args.Save(temp.Path);
        var text = File.ReadAllText(temp.File(TrainingArgs.FileName));
        Assert.Contains("\"learning_rate\": 0.003", text);
        Assert.Contains("\"per_device_train_batch_size\": 8", text);
        Assert.Equal(Args, TrainingArgs.Load(temp.Path));

        File.WriteAllText(temp.File(TrainingArgs.FileName), text.Replace("\"cosine\"", "\"sideways\""));
        var e = Assert.Throws<InvalidInputException>(() => TrainingArgs.Load(temp.Path));
        Assert.StartsWith(temp.File(TrainingArgs.FileName) + ": lr_scheduler_type", e.Message);
    }

    [Theory]
    [InlineData("learning_rate")]
    [InlineData("lr_scheduler_type")]
    [InlineData("gradient_accumulation_steps")]
    public void Bad_arguments_name_the_key(string key)
    {
        var args = key switch
        {
            "learning_rate" => Args with { LearningRate = 0 },
            "lr_scheduler_type" => Args with { LrSchedulerType = "exotic" },
            _ => Args with { GradientAccumulationSteps = 0 },
        };
        Assert.Contains(key, Assert.Throws<InvalidInputException>(() => args.Validated()).Message);
    }
}
