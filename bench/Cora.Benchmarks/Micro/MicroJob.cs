using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Cora.Benchmarks.Micro;

/// <summary>
/// The BenchmarkDotNet setup every micro-benchmark here shares. In-process toolchain: no generated
/// project to restore and build (the mirror serves few packages, and libtorch's native library
/// must be the patched copy in this output folder). Monitoring strategy: each iteration is one
/// call of a benchmark that runs for seconds, so there is no pilot stage and no unrolling.
/// </summary>
public static class MicroJob
{
    public static IConfig Config(bool quick, int warmups = 1, int? iterations = null) => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithStrategy(RunStrategy.Monitoring)
            .WithLaunchCount(1)
            .WithWarmupCount(warmups)
            .WithIterationCount(iterations ?? (quick ? 3 : 5)))
        .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary)
        .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "cora-bench-artifacts"));

    /// <summary>Median seconds of the benchmark method <paramref name="method"/> (any parameters).</summary>
    public static double MedianSeconds(Summary summary, string method, Func<BenchmarkDotNet.Running.BenchmarkCase, bool>? where = null)
    {
        var report = summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method && (where?.Invoke(r.BenchmarkCase) ?? true));
        return report.ResultStatistics!.Median / 1e9;
    }
}
