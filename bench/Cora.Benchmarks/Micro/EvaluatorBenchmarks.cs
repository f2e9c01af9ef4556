using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using Cora.Training.Generation;
using Cora.Training.Scoring;

namespace Cora.Benchmarks.Micro;

/// <summary>
/// Pairs per second of each text metric on 10,000 pairs (the fixture pairs of 20–240 words,
/// repeated with fresh ids, as bench/eval-throughput builds its file), through
/// <see cref="Evaluation.Score"/> — per-pair and corpus values, as <c>cora eval score</c> computes
/// them. Baseline: splitting every prediction and reference into words, so each metric's ratio
/// says how many whitespace tokenisations of the same text it costs.
/// </summary>
public class EvaluatorBenchmarks
{
    public const int Pairs = 10_000;
    private IReadOnlyList<Prediction> _pairs = [];

    /// <summary>The fixture cases; set by <see cref="Run"/>.</summary>
    public static string CasesFile { get; set; } = "";

    [GlobalSetup]
    public void Setup() => _pairs = TenThousandPairs(CasesFile);

    [Benchmark(Baseline = true)]
    public int SplitWords() => _pairs.Sum(p => p.Text.Split(' ').Length + p.Reference.Split(' ').Length);

    [Benchmark]
    public object Rouge() => Evaluation.Score(_pairs, [Evaluation.RougeName]);

    [Benchmark]
    public object Meteor() => Evaluation.Score(_pairs, [Evaluation.MeteorName]);

    [Benchmark]
    public object SacreBleu() => Evaluation.Score(_pairs, [Evaluation.SacreBleuName]);

    public static IReadOnlyList<Prediction> TenThousandPairs(string casesFile)
    {
        static int Words(string s) => s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
        var pool = Prediction.Load(casesFile).Where(p => Words(p.Text) + Words(p.Reference) is >= 20 and <= 240).ToList();
        return [.. Enumerable.Range(0, Pairs).Select(i => pool[i % pool.Count] with { Id = $"p{i}" })];
    }

    public static void Run(bool quick, string casesFile)
    {
        CasesFile = Path.GetFullPath(casesFile);
        var summary = BenchmarkRunner.Run<EvaluatorBenchmarks>(MicroJob.Config(quick));
        var baseline = MicroJob.MedianSeconds(summary, nameof(SplitWords));
        foreach (var metric in new[] { nameof(Rouge), nameof(Meteor), nameof(SacreBleu) })
        {
            var seconds = MicroJob.MedianSeconds(summary, metric);
            Console.WriteLine($"evaluator: {metric.ToLowerInvariant()} {Pairs / seconds:F0} pairs/s on {Pairs:N0} pairs, {seconds / baseline:F0}x the cost of splitting the same text into words");
        }
    }
}
