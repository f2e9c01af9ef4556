using System.CommandLine;
using Cora.Training;
using Cora.Training.Basis;
using Cora.Training.Model;

namespace Cora.Cluster.Commands;

/// <summary>The options `basis extract` and `basis spectrum` share, and how they are read.</summary>
internal static class BasisOptionsCli
{
    public static Option<string> Sources() =>
        new("--sources") { Description = "Source checkpoint directories, comma-separated (same architecture)", Required = true };

    public static Option<string> Mode()
    {
        var mode = new Option<string>("--mode") { Description = "shared-qkv (one basis for q/k/v; not for GQA) or per-projection", DefaultValueFactory = _ => "shared-qkv" };
        mode.AcceptOnlyFromAmong([.. BasisModes.Names]);
        return mode;
    }

    public static Option<string> Layers() =>
        new("--layers") { Description = "all, or layer indices like 0,1,5", DefaultValueFactory = _ => "all" };

    /// <exception cref="InvalidInputException">No directory named.</exception>
    public static IReadOnlyList<string> SplitSources(string text)
    {
        var paths = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return paths.Length > 0 ? paths : throw new InvalidInputException("--sources: no source directories given");
    }

    /// <summary>Parses --layers against the first source's layer count (SourceModels checks the rest agree).</summary>
    public static IReadOnlyList<int>? ParseLayers(string text, IReadOnlyList<string> sources)
    {
        if (text.Trim() == "all") return null;
        if (!Directory.Exists(sources[0])) throw new DirectoryNotFoundException($"{sources[0]}: no such source directory");
        var config = LlamaConfig.Load(Path.Combine(sources[0], LlamaCheckpoint.ConfigFileName));
        return LayerSelection.Parse(text, config.NumHiddenLayers);
    }

    public static SyncProgress<BasisProgress> Reporter(ConsoleProgress progress) => new(p => progress.Report(
        p.Stage, p.Done > 0 ? $"{p.Done}/{p.Total} ({p.Detail})" : p.Detail, final: p.Done == p.Total));
}
