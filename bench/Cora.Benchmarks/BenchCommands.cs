using Cora.Benchmarks.Memory;
using Cora.Benchmarks.Micro;
using Cora.Benchmarks.Orchestration;
using Cora.Benchmarks.Training;

namespace Cora.Benchmarks;

/// <summary>
/// The benchmark program's commands. Each prints a table to stdout and, last, one
/// <c>name: …</c> line per ratio it measured (bench/run.sh collects those lines).
/// <c>--quick</c> shrinks sizes and repetitions so that every command finishes in about a minute.
/// </summary>
public static class BenchCommands
{
    private const string Usage = """
        usage: cora-bench COMMAND [--quick] [options]
          basis-micro                      eigh vs exact SVD on one layer (BenchmarkDotNet)
          eval-micro                       pairs/s per metric on 10,000 pairs (BenchmarkDotNet)
          training --zoo DIR               tokens/s of lora and cora-fb, FLOP/s vs matmul peak, trainer vs bare loop
          orchestration [--postgres]       no-op trials dispatched per second, recovery of a 10,000-trial sweep
          sweep-size                       submit, status, dispatch and recovery per trial at 1k, 10k, 100k trials
          memory-trial --hidden H --layers L --method M --batch B --seq T [--checkpointing]
                                           peak RssAnon of 2 training steps vs the memory estimate (one configuration)
          memory-plan                      the Llama-2-13B / A100-80GB plan from the memory estimate
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 64;
        }
        var quick = args.Contains("--quick");
        var rest = args.Skip(1).Where(a => a != "--quick").ToArray();
        switch (args[0])
        {
            case "basis-micro":
                SubspaceBenchmarks.Run(quick);
                return 0;
            case "eval-micro":
                EvaluatorBenchmarks.Run(quick, Option(rest, "--cases") ?? "tests/fixtures/metrics/cases.jsonl");
                return 0;
            case "training":
                TrainingThroughput.Run(Option(rest, "--zoo") ?? throw new ArgumentException("training needs --zoo DIR"), quick);
                return 0;
            case "orchestration":
                await OrchestrationBenchmark.RunAsync(quick, rest.Contains("--postgres"));
                return 0;
            case "sweep-size":
                await SweepSizeBenchmark.RunAsync(quick);
                return 0;
            case "memory-trial":
                MemoryBenchmark.Trial(Int(rest, "--hidden"), Int(rest, "--layers"), Option(rest, "--method") ?? "lora", Int(rest, "--batch"), Int(rest, "--seq"),
                    rest.Contains("--checkpointing"));
                return 0;
            case "memory-plan":
                MemoryBenchmark.Plan();
                return 0;
            default:
                Console.Error.WriteLine(Usage);
                return 64;
        }
    }

    private static int Int(string[] args, string name) =>
        int.Parse(Option(args, name) ?? throw new ArgumentException($"{name} is required"), System.Globalization.CultureInfo.InvariantCulture);

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
