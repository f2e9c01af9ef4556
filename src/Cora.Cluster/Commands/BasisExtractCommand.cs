using System.CommandLine;
using Cora.Training;
using Cora.Training.Basis;
using Cora.Training.Diagnostics;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora basis extract --sources DIR[,DIR…] --max-rank R --out FILE [--mode shared-qkv|per-projection]
/// [--method eigh|svd|randomized] [--layers all|0,1,…] [--json]</c>
/// </summary>
public static class BasisExtractCommand
{
    public sealed record Report(
        string Output, string Mode, string Method, int Rank, IReadOnlyList<int> Layers, IReadOnlyList<BasisSource> Sources,
        double Seconds, int RandomizedFallbacks, long PeakRssAnonBytes);

    public static Command Create()
    {
        var sources = BasisOptionsCli.Sources();
        var maxRank = new Option<int>("--max-rank") { Description = "R: columns kept per basis (every smaller rank is a prefix)", Required = true };
        var output = new Option<string>("--out") { Description = "Basis file to write (safetensors, float32)", Required = true };
        var mode = BasisOptionsCli.Mode();
        var method = new Option<string>("--method") { Description = "eigh (default), svd (exact reference) or randomized", DefaultValueFactory = _ => BasisMethods.Default.Name() };
        method.AcceptOnlyFromAmong([.. BasisMethods.Names]);
        var layers = BasisOptionsCli.Layers();
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };

        var command = new Command("extract", "Extract CoRA's common basis from the averaged q/k/v of source models")
        {
            sources, maxRank, output, mode, method, layers, json,
        };
        command.SetAction((parse, cancellation) =>
        {
            var progress = ConsoleProgress.ForStderr(parse.InvocationConfiguration.Error);
            var paths = BasisOptionsCli.SplitSources(parse.GetValue(sources)!);
            BasisResult result;
            using (var memory = PeakMemory.Start())
            {
                var options = new BasisOptions(
                    paths, parse.GetValue(maxRank), parse.GetValue(output)!,
                    BasisModes.Parse(parse.GetValue(mode)!), BasisMethods.Parse(parse.GetValue(method)!),
                    BasisOptionsCli.ParseLayers(parse.GetValue(layers)!, paths));
                result = BasisExtractor.Extract(options, BasisOptionsCli.Reporter(progress), cancellation);
                progress.Done();
                var report = new Report(result.Output, result.Mode.Name(), result.Method.Name(), result.Rank, result.Layers,
                    result.Sources, Math.Round(result.Seconds, 3), result.Fallbacks, memory.PeakAnonBytes);
                WriteReport(parse.InvocationConfiguration.Output, report, parse.GetValue(json));
            }
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static void WriteReport(TextWriter output, Report r, bool json)
    {
        if (json)
        {
            CliJson.Write(output, r);
            return;
        }
        output.WriteLine($"Basis written to {r.Output}");
        output.WriteLine($"  mode {r.Mode}, method {r.Method}, rank {r.Rank}, layers {string.Join(",", r.Layers)}");
        foreach (var source in r.Sources) output.WriteLine($"  source {source.Path} sha256 {source.Sha256}");
        output.WriteLine($"  {r.Seconds:F1}s, peak anonymous memory {r.PeakRssAnonBytes / (1024.0 * 1024):F0} MiB" +
            (r.RandomizedFallbacks > 0 ? $", randomized fell back to eigh on {r.RandomizedFallbacks} block(s)" : ""));
    }
}
