using Cora.Training.FineTuning;
using Cora.Training.Model;
using Cora.Training.Tests.Model;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.Tests.FineTuning;

/// <summary>
/// Full fine-tuning in bfloat16 (the CUDA placement, here put on the CPU, where libtorch runs the
/// model's bfloat16 ops too): without float32 masters AdamW's small updates of RMSNorm weights at 1
/// are rounded away; with them they add up. float32 parameters are their own masters.
/// </summary>
public sealed class MasterWeightsTests
{
    private static readonly Placement CpuBfloat16 = new(CPU, ScalarType.BFloat16);

    private static LlamaForCausalLM Bfloat16Model()
    {
        var model = new LlamaForCausalLM(LlamaForCausalLMTests.TinyConfig(), CpuBfloat16);
        model.InitializeWeights(3);
        return model;
    }

    private static List<Parameter> NormWeights(LlamaForCausalLM model) =>
        model.named_parameters().Where(p => p.name.EndsWith("norm.weight", StringComparison.Ordinal)).Select(p => p.parameter).ToList();

    private static bool AllOne(IEnumerable<Tensor> weights) => weights.All(w => w.eq(1).all().item<bool>());

    /// <summary>Loss and backward of one batch of reversals.</summary>
    private static void Backward(LlamaForCausalLM model, int seed)
    {
        using var scope = NewDisposeScope();
        using var batch = CausalLmBatch.Collate(TrainerTests.Reversals(8, seed), padId: 0);
        (batch.SummedLoss(model.Forward(batch.InputIds, batch.AttentionMask)) / batch.RealTokens).backward();
    }

    [Fact]
    public void AdamW_on_bfloat16_weights_loses_small_updates_and_float32_masters_keep_them()
    {
        // The bug: at learning rate 1e-5 each update (about the learning rate, for Adam) is far
        // below half a bfloat16 ulp at 1 (2⁻⁸), so the norm weights stay exactly 1.
        using var direct = Bfloat16Model();
        direct.train();
        using (var optimizer = optim.AdamW(direct.parameters(), lr: 1e-5, weight_decay: 0))
        {
            for (var step = 0; step < 3; step++)
            {
                optimizer.zero_grad();
                Backward(direct, step);
                optimizer.step();
            }
        }
        Assert.True(AllOne(NormWeights(direct)), "bfloat16 AdamW moved a norm weight");

        // The fix: the same steps on float32 masters move them by about 3e-5.
        using var model = Bfloat16Model();
        model.train();
        using var masters = new MasterWeights(model.named_parameters());
        Assert.All(masters.Optimized.Zip(model.parameters()), pair => Assert.NotSame(pair.Second, pair.First.Parameter));
        using (var optimizer = optim.AdamW(masters.Optimized.Select(p => p.Parameter), lr: 1e-5, weight_decay: 0))
        {
            for (var step = 0; step < 3; step++)
            {
                optimizer.zero_grad();
                Backward(model, step);
                masters.CopyGradients();
                Assert.All(model.parameters(), p => Assert.Null(p.grad));
                optimizer.step();
                masters.CopyWeights();
            }
        }
        var normMasters = masters.Optimized.Where(m => m.Name.EndsWith("norm.weight", StringComparison.Ordinal)).Select(m => m.Parameter).ToList();
        Assert.Equal(5, normMasters.Count);
        Assert.All(normMasters, m => Assert.Equal(ScalarType.Float32, m.dtype));
        var moved = normMasters.Max(m => (m - 1).abs().max().item<float>());
        Assert.InRange(moved, 1e-5, 1e-3);
        // Still below a bfloat16 step: the model's copy rounds to 1 until the updates add up.
        Assert.True(AllOne(NormWeights(model)));
    }

    [Fact]
    public void The_trainer_trains_bfloat16_weights_through_float32_masters()
    {
        // At 1e-3 an update is still below half a bfloat16 ulp at 1 (3.9e-3): without masters no
        // norm weight would ever move; with them, a few steps add up to a bfloat16 step.
        var args = new TrainingArgs { LearningRate = 1e-3, MaxSteps = 10, BatchSize = 8, LrSchedulerType = "constant", MaxGradNorm = 0, Seed = 2 };
        using var model = Bfloat16Model();
        new Trainer(model, args).Train(TrainerTests.Reversals(80, seed: 4));

        Assert.All(model.parameters(), p => Assert.Equal(ScalarType.BFloat16, p.dtype));
        Assert.False(AllOne(NormWeights(model)), "no norm weight moved in bfloat16 with master weights");
    }

    [Fact]
    public void Float32_parameters_are_their_own_masters()
    {
        using var model = LlamaForCausalLMTests.Model(LlamaForCausalLMTests.TinyConfig());
        var named = model.named_parameters().ToList();
        using var masters = new MasterWeights(named);

        Assert.Equal(named.Count, masters.Optimized.Count);
        foreach (var ((name, parameter), (optimizedName, optimized)) in named.Zip(masters.Optimized))
        {
            Assert.Equal(name, optimizedName);
            Assert.Same(parameter, optimized);
        }
        model.train();
        Backward(model, seed: 1);
        using var before = named[1].parameter.grad!.clone();
        masters.CopyGradients();
        masters.CopyWeights();
        Assert.True(before.equal(named[1].parameter.grad!).all().item<bool>(), "a float32 gradient was touched");
    }
}
