using Cora.Training.FineTuning;
using Cora.Training.Trials;
using Cora.Training.Lora;
using Cora.Training.Memory;
using Cora.Training.Model;

namespace Cora.Training.Tests.Memory;

/// <summary>The estimate against numbers worked out by hand for a tiny model (the arithmetic is in
/// the comments), its parameter counts against a real model, and the refusal against a capacity
/// passed in.</summary>
public sealed class MemoryEstimateTests
{
    // D 8, 2 layers, 2 heads of 4, I 12, V 16, untied. Per layer: q/k/v/o 4·64, gate/up/down
    // 3·96, two norms 2·8 = 560; base = 16·8 + 2·560 + 8 + 16·8 = 1384 parameters.
    private static readonly LlamaConfig Tiny = new()
    {
        VocabSize = 16, HiddenSize = 8, IntermediateSize = 12, NumHiddenLayers = 2,
        NumAttentionHeads = 2, NumKeyValueHeads = 2, HeadDim = 4,
    };

    private static TrainingSetup Setup(LoraMethod method, bool bfloat16, double dropout = 0) =>
        new(Tiny, method, Rank: 2, Targets: ["q_proj", "v_proj"], dropout, bfloat16, BatchSize: 2, SequenceLength: 3);

    [Fact]
    public void Lora_on_the_cpu_matches_the_hand_computed_components()
    {
        var estimate = MemoryEstimate.For(Setup(LoraMethod.Lora, bfloat16: false));
        // N = 6 tokens, float32 (a = 4). Adapters q, v: 2 layers × 2 × 2·(8 + 8) = 128 parameters, all train.
        // Per layer: norms 2 × (4·6·8 + 4·6) = 432; q/v share their cpu input 4·6·8 = 192, x·A 2 × 4·6·2 = 96;
        // attention 4·6·(8 + 16) + 4·6·8 + 4·2·2·3 + 4·2·3·3 = 888; MLP 3·4·6·12 = 864: 2472.
        // The first layer's input norm keeps nothing (2256); final norm 216: 2256 + 2472 + 216 = 4944.
        Assert.Equal((1384L * 4, 128L * 4, 128L * 4, 128L * 8, 0L, 4944L, 6L * 16 * 16),
            (estimate.BaseWeights, estimate.AdapterWeights, estimate.Gradients, estimate.OptimizerState, estimate.MasterWeights,
                estimate.Activations, estimate.Logits));
        Assert.Equal((2472L, 128L, 1384L + 128, 14064L), (estimate.LayerActivations, estimate.TrainableParameters, estimate.TotalParameters, estimate.Total));
        // AdamW's step temporaries, 8 · 128 = 1024, fit in what the activations and logits freed.
        Assert.Equal(0L, estimate.OptimizerStep);
    }

    [Fact]
    public void Full_fine_tuning_in_bfloat16_counts_master_weights_and_every_linear_input()
    {
        var estimate = MemoryEstimate.For(Setup(LoraMethod.FullFt, bfloat16: true));
        // a = 2; every parameter trains: gradients bf16, moments and master copy float32.
        // Per layer: norms 2 × (4·48 + 4·6 + 2·48) = 624; linear inputs q/k/v 96, o 96, gate/up 96,
        // down 2·6·12 = 144; attention 2·6·24 + 2·6·8 + 48 + 2·2·9 = 468; MLP 432: 1956.
        // Two layers + final norm 312 + lm_head input 96 = 4320. Logits 6·16·(2 + 12).
        Assert.Equal((1384L * 2, 0L, 1384L * 2, 1384L * 8, 1384L * 4, 4320L, 1344L),
            (estimate.BaseWeights, estimate.AdapterWeights, estimate.Gradients, estimate.OptimizerState, estimate.MasterWeights,
                estimate.Activations, estimate.Logits));
        Assert.Equal(1956L, estimate.LayerActivations);
        // The optimizer step: AdamW's two float32 temporaries per parameter (8) and the masters'
        // float32 gradients over the bf16 ones (2): 1384·10 = 13840, beyond the 4320 + 1344 the
        // backward pass held.
        Assert.Equal(13840L - 4320 - 1344, estimate.OptimizerStep);
    }

    [Fact]
    public void Gradient_checkpointing_keeps_the_layer_inputs_and_one_layer()
    {
        var estimate = MemoryEstimate.For(Setup(LoraMethod.FullFt, bfloat16: true) with { GradientCheckpointing = true });
        // 2 layer inputs 2·6·8 each + one layer 1956 + final norm and lm_head input 408.
        Assert.Equal(2L * 96 + 1956 + 408, estimate.Activations);
    }

    [Fact]
    public void A_trial_s_setup_takes_gradient_checkpointing_from_its_training_arguments()
    {
        var spec = new TrialSpec
        {
            BaseModel = "base", TrainData = "train.jsonl", EvalData = "eval.jsonl", Method = "lora", Rank = 2,
            Training = new TrainingArgs { BatchSize = 2, MaxSeqLength = 3, GradientCheckpointing = true },
        };
        var model = Setup(LoraMethod.Lora, bfloat16: false).Model;
        Assert.True(TrainingSetup.Of(spec, model).GradientCheckpointing);
        Assert.False(TrainingSetup.Of(spec with { Training = spec.Training with { GradientCheckpointing = false } }, model).GradientCheckpointing);
    }

    [Fact]
    public void Frozen_b_dropout_and_bfloat16_change_what_the_adapters_keep()
    {
        var frozen = MemoryEstimate.For(Setup(LoraMethod.CoraFb, bfloat16: false));
        var dropped = MemoryEstimate.For(Setup(LoraMethod.Lora, bfloat16: false, dropout: 0.05));
        var cuda = MemoryEstimate.For(Setup(LoraMethod.Lora, bfloat16: true));
        // Frozen B: only A trains (2 layers × 2 × 2·8 = 64) and x·A is not kept (96 less in each of the 2 layers).
        Assert.Equal((64L, 4944L - 2 * 96), (frozen.TrainableParameters, frozen.Activations));
        // Dropout on the cpu: each adapter keeps its own dropped copy and float32 noise, 2 × 8·6·8 = 768 for one shared 192.
        Assert.Equal(4944L + 2 * (768 - 192), dropped.Activations);
        // bfloat16 (a = 2): each adapter casts its input to float32 on its own. Per layer: norms
        // 2 × (4·48 + 4·6) = 432; q/v inputs 2 × 4·6·8 = 384 and x·A 96; attention 2·6·24 + 2·6·8
        // + 48 + 2·2·9 = 468; MLP 3·2·6·12 = 432: 1812.
        Assert.Equal(1812L, cuda.LayerActivations);
    }

    [Theory]
    [InlineData("lora")]
    [InlineData("zeros-fb")]
    [InlineData("full-ft")]
    public void Parameter_counts_match_a_real_model(string method)
    {
        var parsed = LoraMethods.Parse(method);
        using var model = new LlamaForCausalLM(Tiny);
        model.InitializeWeights(0);
        LoraInjector.Inject(model, new LoraConfig { R = 2, LoraAlpha = 4, TargetModules = ["q_proj", "v_proj"] }, parsed, seed: 0);
        var counts = ParameterCounts.Of(model);
        var estimate = MemoryEstimate.For(Setup(parsed, bfloat16: false));
        Assert.Equal((counts.Trainable, counts.Total), (estimate.TrainableParameters, estimate.TotalParameters));
    }

    [Fact]
    public void A_trial_over_its_device_s_capacity_is_refused_with_the_numbers_and_the_knobs()
    {
        var setup = Setup(LoraMethod.Lora, bfloat16: false);
        var error = Assert.Throws<InvalidInputException>(() => MemoryCheck.EnsureFits(setup, capacity: 10_000, "cpu"));
        Assert.Equal(
            "the trial needs about 0.0 MiB on cpu, which has 0.0 MiB in all (base weights 0.0 MiB, adapter weights 0.0 MiB, gradients 0.0 MiB, " +
            "optimizer state (AdamW) 0.0 MiB, activations 0.0 MiB, logits and loss 0.0 MiB); lower per_device_train_batch_size (--batch-size, now 2) " +
            "or max_seq_length (--max-seq-length, now 3), or turn on gradient checkpointing (gradient_checkpointing, --gradient-checkpointing; it would need 0.0 MiB)",
            error.Message);
        MemoryCheck.EnsureFits(setup, capacity: 14_064, "cpu");
        MemoryCheck.EnsureFits(setup, capacity: null, "cuda");
    }

    [Fact]
    public void The_refusal_reads_in_gib_at_13b_scale()
    {
        var llama13b = new LlamaConfig
        {
            VocabSize = 32000, HiddenSize = 5120, IntermediateSize = 13824, NumHiddenLayers = 40,
            NumAttentionHeads = 40, NumKeyValueHeads = 40, HeadDim = 128,
        };
        var setup = new TrainingSetup(llama13b, LoraMethod.FullFt, 48, LoraConfig.DefaultTargets, 0.05, Bfloat16: true, 4, 512);
        var error = Assert.Throws<InvalidInputException>(() => MemoryCheck.EnsureFits(setup, capacity: 80_000_000_000, "cuda"));
        // 13,015,864,320 parameters × (2 weights + 2 gradients + 8 moments + 4 master) = 193.95 GiB before activations.
        Assert.StartsWith("the trial needs about ", error.Message);
        Assert.Contains("on cuda, which has 74.51 GiB in all (base weights 24.24 GiB, gradients 24.24 GiB, optimizer state (AdamW) 96.98 GiB, fp32 master weights 48.49 GiB, activations ", error.Message);
    }

    [Fact]
    public void Mem_total_is_read_from_meminfo_in_bytes()
    {
        Assert.Equal(24683784L * 1024, DeviceMemory.MemTotal("MemTotal:       24683784 kB\nMemFree:        18281416 kB\nMemAvailable:   23759604 kB\n"));
        Assert.Null(DeviceMemory.MemTotal("MemFree: 1 kB\n"));
    }

    [Fact]
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public void A_cuda_trial_s_capacity_is_its_visible_device_s_total_memory_per_nvidia_smi()
    {
        using var temp = new TempDirectory();
        // A stand-in nvidia-smi: device "2" has 81920 MiB; anything else fails.
        var smi = temp.File("nvidia-smi");
        File.WriteAllText(smi, "#!/bin/sh\necho \"$@\" >> \"$0.calls\"\n[ \"$4\" = 2 ] || exit 6\necho '81920'\n");
        File.SetUnixFileMode(smi, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string? Visible(string value, string name) => name == "CUDA_VISIBLE_DEVICES" ? value : null;

        Assert.Equal(81920L << 20, DeviceMemory.Capacity("cuda", name => Visible("2", name), smi));
        Assert.Equal(81920L << 20, DeviceMemory.Capacity("cuda:1", name => Visible("5,2", name), smi));
        Assert.Equal("--query-gpu=memory.total --format=csv,noheader,nounits -i 2", File.ReadLines(smi + ".calls").First());
        Assert.Null(DeviceMemory.Capacity("cuda", name => Visible("3", name), smi));          // nvidia-smi fails
        Assert.Null(DeviceMemory.Capacity("cuda:2", name => Visible("5,2", name), smi));      // not visible
        Assert.Null(DeviceMemory.Capacity("cuda", name => Visible("MIG-1a2b", name), smi));   // a MIG slice: not the whole GPU's number
        Assert.Null(DeviceMemory.Capacity("cuda", _ => null, temp.File("no-such-nvidia-smi")));
    }
}
