using System.Diagnostics;
using Cora.Training.Basis;
using Cora.Training.Data;
using Cora.Training.Lora;
using Cora.Training.Model;
using Cora.Training.Tokenizers;
using Cora.Training.FineTuning;
using Cora.Training.Zoo;
using static TorchSharp.torch;

namespace Cora.Benchmarks.Training;

/// <summary>
/// Training throughput on the tiny zoo, in one process: tokens/s of a LoRA and a CoRA-FB run of
/// Cora's <see cref="Trainer"/>; the FLOP/s they achieve as a fraction of this machine's float32
/// matmul rate (torch.mm of a square matrix, measured in the same run); and Cora's trainer
/// against a bare TorchSharp loop (<see cref="BareLoop"/>) over the same model, adapters and
/// batch size. Every figure is a median over repeated runs.
/// </summary>
public static class TrainingThroughput
{
    public static void Run(string zoo, bool quick)
    {
        var steps = quick ? 4 : 12;
        var repeats = quick ? 1 : 3;
        var basePath = Path.Combine(zoo, "base");
        var tokenizer = TokenizerLoader.Load(basePath);
        var examples = AlpacaDataset.Load(Path.Combine(zoo, "data", "alpaca", "train.jsonl"))
            .Select(e => InstructionEncoder.Encode(tokenizer, e)).ToList();
        var args = ZooPreset.Get("tiny").FineTuning with { MaxSteps = steps, Seed = 0 };
        var lora = new LoraConfig { R = 8, LoraAlpha = 16 };
        using var basis = ExtractBasis(zoo, lora.R);

        var peak = MatmulFlops(quick ? 1024 : 2048, quick ? 5 : 15);
        Console.WriteLine($"matmul peak (torch.mm float32, {get_num_threads()} threads): {peak / 1e9:F1} GFLOP/s");
        Measure(basePath, lora, LoraMethod.Lora, basis, examples, args with { MaxSteps = 2 }, useBareLoop: false); // warm-up: JIT, allocator

        // Rounds interleave the three configurations, so that a change in the machine's load
        // during the run falls on all of them alike.
        var configurations = new[] { ("lora", LoraMethod.Lora, false), ("cora-fb", LoraMethod.CoraFb, false), ("bare loop, lora", LoraMethod.Lora, true) };
        var runs = configurations.ToDictionary(c => c.Item1, _ => new List<Measurement>());
        for (var round = 0; round < repeats; round++)
            foreach (var (name, method, bare) in configurations)
                runs[name].Add(Measure(basePath, lora, method, basis, examples, args, bare));

        var rows = new List<(string Name, double TokensPerSecond, double FlopsPerToken)>();
        foreach (var (name, _, _) in configurations)
        {
            var tokensPerSecond = Stats.Median(runs[name].Select(r => r.TokensPerSecond));
            var flopsPerToken = runs[name][0].FlopsPerToken;
            rows.Add((name, tokensPerSecond, flopsPerToken));
            Console.WriteLine($"{name}: {tokensPerSecond:F0} tokens/s (median of {repeats}: {string.Join(", ", runs[name].Select(r => r.TokensPerSecond.ToString("F0")))}; " +
                              $"{steps} steps of {args.BatchSize} examples), {flopsPerToken / 1e6:F2} MFLOP/token, {tokensPerSecond * flopsPerToken / 1e9:F2} GFLOP/s");
        }
        foreach (var (name, tps, flops) in rows.Take(2))
            Console.WriteLine($"training: {name} {tps:F0} tokens/s, {tps * flops / peak:P1} of the measured matmul peak");
        Console.WriteLine($"training: Cora trainer vs bare TorchSharp loop (lora) throughput ratio {rows[0].TokensPerSecond / rows[2].TokensPerSecond:F2} " +
                          $"(1.00 = no overhead)");
    }

    private sealed record Measurement(double TokensPerSecond, double FlopsPerToken);

    private static Measurement Measure(string basePath, LoraConfig lora, LoraMethod method, BasisFile basis,
        IReadOnlyList<TokenizedExample> examples, TrainingArgs args, bool useBareLoop)
    {
        using var model = LlamaCheckpoint.Load(basePath);
        LoraInjector.Inject(model, lora, method, seed: 0, (layer, projection) => basis.Basis(layer, projection, lora.R));
        var (tokens, elapsed, width) = useBareLoop
            ? BareLoop.Train(model, examples, args)
            : TrainWithCora(model, examples, args);
        return new Measurement(tokens / elapsed.TotalSeconds, TrainingFlops.PerToken(model, width));
    }

    private static (long Tokens, TimeSpan Elapsed, double MeanWidth) TrainWithCora(LlamaForCausalLM model,
        IReadOnlyList<TokenizedExample> examples, TrainingArgs args)
    {
        var result = new Trainer(model, args).Train(examples);
        // The trainer draws a seeded shuffle; the mean padded width of its batches is close to
        // that of the bare loop's, which is what the attention term of the FLOP count needs.
        return (result.Tokens, result.Elapsed, BareLoop.MeanPaddedWidth(examples, args));
    }

    /// <summary>A CoRA basis from the zoo's first two sources (rank <paramref name="rank"/>).</summary>
    private static BasisFile ExtractBasis(string zoo, int rank)
    {
        var output = Path.Combine(Path.GetTempPath(), $"cora-bench-basis-{Environment.ProcessId}.safetensors");
        var sources = Directory.GetDirectories(Path.Combine(zoo, "sources")).Order(StringComparer.Ordinal).Take(2).ToList();
        BasisExtractor.Extract(new BasisOptions(sources, rank, output));
        return BasisFile.Open(output);
    }

    /// <summary>Median float32 FLOP/s of <c>torch.mm</c> on (n, n) × (n, n): 2n³ per product.</summary>
    public static double MatmulFlops(int n, int repeats)
    {
        using var scope = NewDisposeScope();
        var a = randn(n, n);
        var b = randn(n, n);
        a.mm(b).Dispose();  // warm-up
        var seconds = Enumerable.Range(0, repeats).Select(_ =>
        {
            var clock = Stopwatch.StartNew();
            a.mm(b).Dispose();
            return clock.Elapsed.TotalSeconds;
        });
        return 2.0 * n * n * n / Stats.Median(seconds);
    }
}
