using System.CommandLine;
using System.Text;
using Cora.Training.Basis;
using Cora.Training.IO;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora basis spectrum --sources DIR[,DIR…] [--mode …] [--layers …] [--out spectrum.csv] [--json]</c>:
/// per layer, how many singular values of the averaged q/k/v explain 90/99/100% of the energy.
/// </summary>
public static class BasisSpectrumCommand
{
    private const string CsvHeader = "layer,block,available,energy_90,energy_99,energy_100";

    public sealed record Report(string Mode, IReadOnlyList<SpectrumRow> Layers, string? Csv, double Seconds);

    public static Command Create()
    {
        var sources = BasisOptionsCli.Sources();
        var mode = BasisOptionsCli.Mode();
        var layers = BasisOptionsCli.Layers();
        var csv = new Option<string?>("--out") { Description = "Also write the table as CSV to this file" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("spectrum", "How many singular values explain 90/99/100% of each layer's q/k/v energy")
        {
            sources, mode, layers, csv, json,
        };
        command.SetAction((parse, cancellation) =>
        {
            var progress = ConsoleProgress.ForStderr(parse.InvocationConfiguration.Error);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var paths = BasisOptionsCli.SplitSources(parse.GetValue(sources)!);
            var basisMode = BasisModes.Parse(parse.GetValue(mode)!);
            var rows = SpectrumAnalysis.Analyze(
                paths, basisMode, BasisOptionsCli.ParseLayers(parse.GetValue(layers)!, paths), BasisOptionsCli.Reporter(progress), cancellation);
            progress.Done();
            var csvPath = parse.GetValue(csv) is { } p ? Path.GetFullPath(p) : null;
            if (csvPath is not null) AtomicFile.WriteAllText(csvPath, Csv(rows));
            var report = new Report(basisMode.Name(), rows, csvPath, Math.Round(clock.Elapsed.TotalSeconds, 3));
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) CliJson.Write(output, report);
            else WriteTable(output, report);
            return Task.FromResult(ExitCodes.Ok);
        });
        return command;
    }

    private static string Csv(IReadOnlyList<SpectrumRow> rows)
    {
        var text = new StringBuilder(CsvHeader).Append('\n');
        foreach (var r in rows) text.Append($"{r.Layer},{r.Block},{r.Available},{r.Energy90},{r.Energy99},{r.Full}\n");
        return text.ToString();
    }

    private static void WriteTable(TextWriter output, Report report)
    {
        output.WriteLine($"{"layer",5}  {"block",-6}  {"available",9}  {"90%",6}  {"99%",6}  {"100%",6}");
        foreach (var r in report.Layers)
            output.WriteLine($"{r.Layer,5}  {r.Block,-6}  {r.Available,9}  {r.Energy90,6}  {r.Energy99,6}  {r.Full,6}");
        if (report.Csv is not null) output.WriteLine($"CSV written to {report.Csv}");
    }
}
