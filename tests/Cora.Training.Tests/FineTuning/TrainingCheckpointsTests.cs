using Cora.Training.FineTuning;
using Cora.Training.Lora;
using Cora.Training.Model;
using Cora.Training.Tests.Lora;
using Cora.Training.Tests.Model;
using static TorchSharp.torch;

namespace Cora.Training.Tests.FineTuning;

/// <summary>A run stopped after a checkpoint and resumed ends bitwise where an uninterrupted run
/// ends: parameters, optimizer moments, dropout masks and data order all pick up where they were.
/// (The kill -9 of a real trial process is in Cora.Cluster.Tests' TrialResumeTests.) Alone:
/// dropout draws from libtorch's one default generator.</summary>
[Collection(GlobalRandomGroup.Name)]
public sealed class TrainingCheckpointsTests
{
    private static readonly TrainingArgs Args = new()
    {
        LearningRate = 1e-2, MaxSteps = 9, BatchSize = 3, GradientAccumulationSteps = 2, WarmupSteps = 2,
        LrSchedulerType = "cosine", Seed = 4, SaveSteps = 3,
    };

    private static readonly List<TokenizedExample> Data = TrainerTests.Reversals(20, seed: 8);

    /// <summary>The same tiny model each call, with LoRA adapters that draw dropout masks.</summary>
    private static LlamaForCausalLM Adapted()
    {
        var model = LoraTestModels.Tiny(seed: 5);
        LoraInjector.Inject(model, LoraTestModels.Config(r: 4) with { LoraDropout = 0.2 }, LoraMethod.Lora, seed: 6);
        return model;
    }

    private static Dictionary<string, Tensor> Trainable(LlamaForCausalLM model) => model.named_parameters()
        .Where(p => p.parameter.requires_grad).ToDictionary(p => p.name, p => p.parameter.detach().clone());

    [Fact]
    public void A_resumed_run_ends_bitwise_where_an_uninterrupted_one_does()
    {
        using var temp = new TempDirectory();
        using var whole = Adapted();
        var uninterrupted = new Trainer(whole, Args).Train(Data, checkpoints: new TrainingCheckpoints(temp.File("whole"), "trial"));
        // Checkpoints after steps 3 and 6 (none after the last); only the newest is kept.
        Assert.Equal(["step-00000006"], Directory.GetDirectories(temp.File("whole")).Select(Path.GetFileName));

        // Stopped during step 5: the newest complete checkpoint is step 3's.
        var checkpoints = new TrainingCheckpoints(temp.File("stopped"), "trial");
        using (var stopped = Adapted())
        using (var cancel = new CancellationTokenSource())
        {
            var progress = new SyncProgress<TrainingProgress>(p =>
            {
                if (p.Step == 4) cancel.Cancel();
            });
            Assert.Throws<OperationCanceledException>(() => new Trainer(stopped, Args).Train(Data, progress, checkpoints, cancel.Token));
        }
        Assert.Equal(3, checkpoints.Newest()!.Step);

        using var resumed = Adapted();
        var steps = new List<int>();
        var result = new Trainer(resumed, Args).Train(Data, new SyncProgress<TrainingProgress>(p => steps.Add(p.Step)), checkpoints);
        Assert.Equal(3, result.ResumedFromStep);
        Assert.Equal([4, 5, 6, 7, 8, 9], steps);
        Assert.Equal(uninterrupted.Losses, result.Losses);
        Assert.Equal(uninterrupted.Tokens, result.Tokens);
        var expected = Trainable(whole);
        var actual = Trainable(resumed);
        Assert.Equal(expected.Keys, actual.Keys);
        Assert.All(expected, e => Assert.True(LoraTestModels.Same(e.Value, actual[e.Key]), e.Key));
    }

    [Fact]
    public void Bfloat16_full_fine_tuning_resumes_from_its_float32_masters_bitwise()
    {
        // In bfloat16 the optimizer works on float32 masters: the checkpoint must hold those, not
        // the rounded weights, or the resumed run would drift from the uninterrupted one.
        static LlamaForCausalLM Model()
        {
            var model = new LlamaForCausalLM(LlamaForCausalLMTests.TinyConfig(), new Placement(CPU, ScalarType.BFloat16));
            model.InitializeWeights(3);
            return model;
        }
        var args = Args with { MaxSteps = 6, LearningRate = 1e-3 };
        using var temp = new TempDirectory();
        using var whole = Model();
        var uninterrupted = new Trainer(whole, args).Train(Data);

        var checkpoints = new TrainingCheckpoints(temp.Path, "trial");
        using (var stopped = Model())
        using (var cancel = new CancellationTokenSource())
        {
            Assert.Throws<OperationCanceledException>(() => new Trainer(stopped, args).Train(Data,
                new SyncProgress<TrainingProgress>(p => { if (p.Step == 4) cancel.Cancel(); }), checkpoints, cancel.Token));
        }
        using (var weights = Cora.Training.Checkpoints.SafetensorsFile.Open(Path.Combine(checkpoints.Newest()!.Path!, "trainable.safetensors")))
            Assert.Equal("F32", weights.Entry("model.norm.weight").DType.ToString());

        using var resumed = Model();
        var result = new Trainer(resumed, args).Train(Data, checkpoints: checkpoints);
        Assert.Equal(3, result.ResumedFromStep);
        Assert.Equal(uninterrupted.Losses, result.Losses);
        foreach (var ((name, expected), (_, actual)) in whole.named_parameters().Zip(resumed.named_parameters()))
            Assert.True(LoraTestModels.Same(expected, actual), name);
    }

    [Fact]
    public void A_checkpoint_of_another_trial_or_a_half_written_one_is_not_resumed()
    {
        using var temp = new TempDirectory();
        using var model = Adapted();
        new Trainer(model, Args with { MaxSteps = 4 }).Train(Data, checkpoints: new TrainingCheckpoints(temp.Path, "trial-a"));
        Assert.Null(new TrainingCheckpoints(temp.Path, "trial-b").Newest());

        // A kill -9 while writing leaves a hidden directory: never read, and cleared away.
        var leftover = Directory.CreateDirectory(temp.File(".step-00000009.0123")).FullName;
        File.WriteAllText(Path.Combine(leftover, "state.json"), "{\"step\": 9");
        Assert.Equal(3, new TrainingCheckpoints(temp.Path, "trial-a").Newest()!.Step);
        Assert.False(Directory.Exists(leftover));
    }

    [Fact]
    public void A_checkpoint_for_a_different_number_of_steps_is_refused_naming_it()
    {
        using var temp = new TempDirectory();
        using (var model = Adapted())
            new Trainer(model, Args with { MaxSteps = 4 }).Train(Data, checkpoints: new TrainingCheckpoints(temp.Path, "trial"));
        using var other = Adapted();
        var error = Assert.Throws<InvalidDataException>(() =>
            new Trainer(other, Args with { MaxSteps = 7 }).Train(Data, checkpoints: new TrainingCheckpoints(temp.Path, "trial")));
        Assert.Contains("step-00000003: a checkpoint at step 3 of 4, but this run has 7 steps", error.Message);
    }
}
