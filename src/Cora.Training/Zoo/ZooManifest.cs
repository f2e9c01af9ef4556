using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Training.IO;

namespace Cora.Training.Zoo;

/// <summary>
/// <c>zoo.json</c>: what a zoo holds, how it was made, and the evidence that fine-tuning helped
/// (each source model's eval loss on its task before and after). Written last, atomically: a
/// directory with a zoo.json that verifies is a complete zoo.
/// </summary>
public sealed record ZooManifest
{
    public const string FileName = "zoo.json";
    public const int CurrentFormat = 1;

    [JsonPropertyName("format")] public int Format { get; init; } = CurrentFormat;
    [JsonPropertyName("preset")] public required string Preset { get; init; }
    [JsonPropertyName("seed")] public required int Seed { get; init; }
    [JsonPropertyName("source_count")] public required int SourceCount { get; init; }
    [JsonPropertyName("parameters")] public required long Parameters { get; init; }
    [JsonPropertyName("tokenizer")] public required string Tokenizer { get; init; }
    [JsonPropertyName("datasets")] public required IReadOnlyList<ZooDataset> Datasets { get; init; }
    [JsonPropertyName("base")] public required ZooModel Base { get; init; }
    [JsonPropertyName("sources")] public required IReadOnlyList<ZooModel> Sources { get; init; }
    [JsonPropertyName("elapsed_seconds")] public double ElapsedSeconds { get; init; }

    /// <summary>Every file the manifest vouches for, relative to the zoo directory, with its sha256.</summary>
    public IEnumerable<(string Path, string Sha256)> Files() =>
        Datasets.SelectMany(d => new[] { (d.Train, d.TrainSha256), (d.Eval, d.EvalSha256) })
            .Concat(new[] { Base }.Concat(Sources).Select(m => (m.Weights, m.Sha256)));

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public void Save(string directory) =>
        AtomicFile.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>The manifest of <paramref name="directory"/>, or null when it has none.</summary>
    public static ZooManifest? TryLoad(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<ZooManifest>(File.ReadAllText(path), Json)
                ?? throw new InvalidInputException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{path}: not a valid zoo manifest ({e.Message})", e);
        }
    }

    /// <summary>Files that are missing or whose content changed since the manifest was written.</summary>
    public IReadOnlyList<string> Problems(string directory) =>
        Files().Where(f => !File.Exists(Path.Combine(directory, f.Path)) || FileHash.Sha256(Path.Combine(directory, f.Path)) != f.Sha256)
            .Select(f => f.Path).ToList();
}

/// <summary>One task's data in the zoo.</summary>
public sealed record ZooDataset(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("description")] string Description,
    [property: JsonPropertyName("train")] string Train,
    [property: JsonPropertyName("eval")] string Eval,
    [property: JsonPropertyName("train_examples")] int TrainExamples,
    [property: JsonPropertyName("eval_examples")] int EvalExamples,
    [property: JsonPropertyName("train_sha256")] string TrainSha256,
    [property: JsonPropertyName("eval_sha256")] string EvalSha256);

/// <summary>One model in the zoo: where it is, what it was trained on, and how well it does.</summary>
/// <param name="Task">The source task it was fine-tuned on; "mixture" for the base.</param>
/// <param name="EvalLossBefore">Eval loss per task before this model's training (the base's, for a source).</param>
/// <param name="EvalLossAfter">Eval loss per task after it.</param>
public sealed record ZooModel(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("task")] string Task,
    [property: JsonPropertyName("weights")] string Weights,
    [property: JsonPropertyName("sha256")] string Sha256,
    [property: JsonPropertyName("steps")] int Steps,
    [property: JsonPropertyName("final_train_loss")] double FinalTrainLoss,
    [property: JsonPropertyName("eval_loss_before")] IReadOnlyDictionary<string, double> EvalLossBefore,
    [property: JsonPropertyName("eval_loss_after")] IReadOnlyDictionary<string, double> EvalLossAfter);
