using System.CommandLine;
using Cora.Training.Checkpoints;
using Cora.Training.Model;
using Cora.Training.Tokenizers;

namespace Cora.Cluster.Commands;

/// <summary><c>cora model inspect DIR [--json]</c>: architecture, parameter count, dtypes, shards,
/// tokenizer files, and whether the weights match the config — without loading any tensor.</summary>
public static class ModelInspectCommand
{
    public static Command Create()
    {
        var dir = new Argument<string>("DIR") { Description = "Hugging Face checkpoint directory" };
        var json = new Option<bool>("--json") { Description = "Machine-readable output" };
        var command = new Command("inspect", "Describe a checkpoint: architecture, parameters, dtypes, shards") { dir, json };
        command.SetAction(parse =>
        {
            var report = Inspect(parse.GetValue(dir)!);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json)) CliJson.Write(output, report);
            else WriteHuman(output, report);
            return report.Problems.Count == 0 ? ExitCodes.Ok : ExitCodes.DataError;
        });
        return command;
    }

    public sealed record Shard(string File, long Bytes, int Tensors);

    public sealed record Report(string Path, LlamaConfig Config, long Parameters, IReadOnlyDictionary<string, int> Dtypes,
        IReadOnlyList<Shard> Shards, IReadOnlyList<string> Tokenizer, IReadOnlyList<string> Problems);

    public static Report Inspect(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such directory");
        var config = LlamaConfig.Load(Path.Combine(directory, LlamaCheckpoint.ConfigFileName));
        using var weights = SafetensorsCheckpoint.Open(directory);
        var entries = weights.Names.Select(weights.Entry).ToList();
        return new Report(
            Path.GetFullPath(directory),
            config,
            entries.Sum(e => e.ElementCount),
            entries.GroupBy(e => e.DType.Name).OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count()),
            weights.Files.Select(f => new Shard(System.IO.Path.GetFileName(f.Path), new FileInfo(f.Path).Length, f.Tensors.Count)).ToList(),
            TokenizerLoader.Files.Where(f => File.Exists(System.IO.Path.Combine(directory, f))).ToList(),
            LlamaCheckpoint.Verify(config, weights));
    }

    private static void WriteHuman(TextWriter output, Report r)
    {
        var c = r.Config;
        output.WriteLine(r.Path);
        output.WriteLine($"  architecture  LlamaForCausalLM: {c.NumHiddenLayers} layers, hidden {c.HiddenSize}, intermediate {c.IntermediateSize}, vocab {c.VocabSize}");
        output.WriteLine(c.IsGroupedQuery
            ? $"  attention     grouped-query: {c.NumAttentionHeads} query heads, {c.NumKeyValueHeads} key/value heads, head_dim {c.HeadDim}"
            : $"  attention     multi-head: {c.NumAttentionHeads} heads, head_dim {c.HeadDim}");
        output.WriteLine($"  positions     RoPE {c.Rope.Describe()}, up to {c.MaxPositionEmbeddings}; rms_norm_eps {c.RmsNormEps:G}");
        output.WriteLine($"  embeddings    {(c.TieWordEmbeddings ? "tied (no lm_head)" : "untied")}; biases: attention {c.AttentionBias}, mlp {c.MlpBias}");
        output.WriteLine($"  parameters    {r.Parameters:N0}");
        output.WriteLine($"  dtypes        {string.Join(", ", r.Dtypes.Select(d => $"{d.Key} x {d.Value}"))} (config: {c.TorchDtype})");
        foreach (var shard in r.Shards)
            output.WriteLine($"  weights       {shard.File}: {shard.Bytes:N0} bytes, {shard.Tensors} tensors");
        output.WriteLine($"  tokenizer     {(r.Tokenizer.Count > 0 ? string.Join(", ", r.Tokenizer) : "none")}");
        output.WriteLine(r.Problems.Count == 0 ? "  check         complete: every tensor present with the shape config.json implies"
            : $"  check         {r.Problems.Count} problem(s):\n    {string.Join("\n    ", r.Problems)}");
    }
}
