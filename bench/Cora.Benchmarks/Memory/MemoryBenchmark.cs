using System.Globalization;
using Cora.Training.Diagnostics;
using Cora.Training.FineTuning;
using Cora.Training.Lora;
using Cora.Training.Memory;
using Cora.Training.Model;
using Cora.Training.Trials;
using Cora.Training.Zoo;

namespace Cora.Benchmarks.Memory;

/// <summary>
/// The memory estimate (<see cref="MemoryEstimate"/>) against what training really takes on the
/// CPU, and the 13B plan it gives. <see cref="Trial"/> runs one configuration per process (so that
/// one run's freed-but-kept heap does not flatter the next): a zoo-shaped model (the tiny preset's
/// vocabulary and proportions, at the width and depth asked for) trains two optimizer steps of
/// full-length examples — the second step's backward pass is the estimate's peak, with gradients
/// and AdamW moments in place — while <see cref="PeakMemory"/> samples RssAnon; the baseline
/// (runtime and libtorch loaded and warmed on a throwaway model) is subtracted.
/// </summary>
public static class MemoryBenchmark
{
    private const long GiB = 1L << 30;

    /// <summary>One configuration: prints <c>measured BYTES estimated BYTES</c> and the components.</summary>
    /// <param name="checkpointing">Train with gradient checkpointing (and estimate with it).</param>
    public static void Trial(int hidden, int layers, string method, int batch, int sequence, bool checkpointing = false)
    {
        var parsed = LoraMethods.Parse(method);
        var model = ZooPreset.Get("tiny").Model with
        {
            HiddenSize = hidden, NumHiddenLayers = layers, NumAttentionHeads = hidden / 32, NumKeyValueHeads = hidden / 32, HeadDim = 32,
            IntermediateSize = hidden * 344 / 128, MaxPositionEmbeddings = Math.Max(512, sequence),
        };
        var lora = new LoraConfig { R = TrialDefaults.Rank, LoraAlpha = TrialDefaults.AlphaPerRank * TrialDefaults.Rank, LoraDropout = TrialDefaults.LoraDropout };
        var args = new TrainingArgs { MaxSteps = 2, BatchSize = batch, MaxSeqLength = sequence, LearningRate = 1e-3, GradientCheckpointing = checkpointing };
        var examples = Enumerable.Range(0, batch * 2)
            .Select(i => new TokenizedExample(Enumerable.Range(0, sequence).Select(t => 3 + (i * 7 + t) % 256).ToArray(), PromptLength: 1)).ToList();

        Train(model with { HiddenSize = 64, NumAttentionHeads = 2, NumKeyValueHeads = 2, IntermediateSize = 172, NumHiddenLayers = 1 },
            parsed, lora, args with { MaxSteps = 1, BatchSize = 1, MaxSeqLength = 16 }, examples.Take(1).ToList()); // warm-up
        GC.Collect();
        var baseline = PeakMemory.AnonBytes() ?? throw new InvalidOperationException("no /proc/self/status: the memory benchmark needs Linux");
        using var memory = PeakMemory.Start(TimeSpan.FromMilliseconds(2));
        Train(model, parsed, lora, args, examples);
        memory.Dispose();

        var estimate = MemoryEstimate.For(new TrainingSetup(model, parsed, lora.R, lora.TargetModules, lora.LoraDropout, Bfloat16: false, batch, sequence, checkpointing));
        var components = string.Join(" ", estimate.Components.Select(c => $"{c.Name.Split(' ')[0]}={c.Bytes}"));
        Console.WriteLine(FormattableString.Invariant($"measured {memory.PeakAnonBytes - baseline} estimated {estimate.Total} baseline {baseline} {components}"));
    }

    private static void Train(LlamaConfig config, LoraMethod method, LoraConfig lora, TrainingArgs args, List<TokenizedExample> examples)
    {
        using var model = new LlamaForCausalLM(config);
        model.InitializeWeights(0);
        LoraInjector.Inject(model, lora, method, seed: 0);
        new Trainer(model, args).Train(examples);
    }

    /// <summary>The paper's setting (Llama-2-13B, bfloat16, batch 4 × 512, q/k/v, dropout 0.05,
    /// hocon/grids/llama2-13b.conf) on one A100-80GB, from the same estimate.</summary>
    public static void Plan()
    {
        var llama13b = new LlamaConfig
        {
            VocabSize = 32000, HiddenSize = 5120, IntermediateSize = 13824, NumHiddenLayers = 40,
            NumAttentionHeads = 40, NumKeyValueHeads = 40, HeadDim = 128,
        };
        const long a100 = 80 * GiB;
        Console.WriteLine("Llama-2-13B on one A100-80GB (80 GiB), bfloat16, q/k/v adapters, lora_dropout 0.05; GiB");
        Console.WriteLine($"{"method",-9} {"r",3} {"batch",5} {"seq",5} | {"weights",8} {"adapters",8} {"grads",8} {"adam",8} {"master",8} {"activ.",8} {"logits",8} {"step",8} | {"total",8} {"fits",4} | {"ckpt",8} {"fits",4}");
        foreach (var (method, rank, batch) in new[]
                 {
                     ("lora", 8, 4), ("lora", 48, 4), ("cora-fb", 48, 4), ("cora-tb", 48, 4), ("lora", 48, 8), ("lora", 48, 16),
                     ("full-ft", 0, 4), ("full-ft", 0, 1),
                 })
        {
            var setup = new TrainingSetup(llama13b, LoraMethods.Parse(method), Math.Max(rank, 1), LoraConfig.DefaultTargets, 0.05, Bfloat16: true, batch, 512);
            var plain = MemoryEstimate.For(setup);
            var checkpointed = MemoryEstimate.For(setup with { GradientCheckpointing = true });
            static string G(long bytes) => (bytes / (double)GiB).ToString("F1", CultureInfo.InvariantCulture);
            static string Fits(long bytes) => bytes <= a100 ? "yes" : "NO";
            Console.WriteLine($"{method,-9} {(rank > 0 ? rank.ToString(CultureInfo.InvariantCulture) : "-"),3} {batch,5} {512,5} | " +
                              string.Join(" ", plain.Components.Select(c => $"{G(c.Bytes),8}")) +
                              $" | {G(plain.Total),8} {Fits(plain.Total),4} | {G(checkpointed.Total),8} {Fits(checkpointed.Total),4}");
        }
    }
}
