using System.Text.RegularExpressions;
using Cora.Training.Encoders;
using Cora.Training.IO;

namespace Cora.Training.Scoring.BertScore;

/// <summary>
/// The hidden state BERTScore embeds with (0 = the embeddings, L = the output of layer L), why that
/// one (<see cref="Source"/>), the bert-score model whose tuned layer it is (when
/// <see cref="BertScoreLayerSource.Tuned"/>), and a sentence saying so for reports.
/// </summary>
/// <remarks>
/// A given layer always wins. Without one, a bert/roberta checkpoint gets bert-score's tuned layer
/// (<see cref="TunedLayers"/>) when it can be identified as a model of that table, else its last
/// layer — bert-score's own default for a named model, and Cora's previous default otherwise.
/// A checkpoint directory is identified by names tried in this order:
/// <list type="number">
/// <item>config.json's <c>_name_or_path</c> as written (transformers records there the Hub id or
/// path the model was loaded from);</item>
/// <item>when <c>_name_or_path</c> is a path rather than a Hub id (<c>name</c> or <c>org/name</c>),
/// the name that path gives;</item>
/// <item>the name the directory gives.</item>
/// </list>
/// The name a path gives is its last component, except inside the Hugging Face cache, where
/// <c>…/models--org--name/snapshots/&lt;hash&gt;</c> (or the <c>models--org--name</c> folder itself)
/// gives <c>org/name</c>. The first name the table knows decides, and later ones are not tried: it
/// is used only if the checkpoint can be that model — the same model_type and at least as many
/// layers as the tuned layer; otherwise the last layer, and the reason says what did not fit.
/// A name says nothing about fine-tuning: a fine-tuned copy of roberta-large in a directory called
/// roberta-large gets 17, and the reason names where that came from.
/// </remarks>
public sealed partial record BertScoreLayer(int Index, BertScoreLayerSource Source, string? TunedFor, string Reason)
{
    private const string CachePrefix = "models--";
    private const string NameOrPathKey = "_name_or_path";

    /// <summary>The layer for <paramref name="directory"/>'s checkpoint: <paramref name="given"/>
    /// when not null (nothing is read), else as the remarks say, from its config.json.</summary>
    /// <exception cref="InvalidInputException">No layer given and the checkpoint is not bert or
    /// roberta (no default exists), or config.json is missing or invalid; the message names the file.</exception>
    public static BertScoreLayer Choose(string directory, int? given)
    {
        if (given is { } layer) return new BertScoreLayer(layer, BertScoreLayerSource.Given, null, "as given");
        var configPath = Path.Combine(directory, EncoderCheckpoint.ConfigFileName);
        var json = ConfigReader.ReadObject(configPath);
        var reader = new ConfigReader(json, configPath);
        var modelType = reader.String("model_type", null);
        if (modelType is not ("bert" or "roberta"))
            throw new InvalidInputException($"{configPath}: model_type \"{modelType}\" has no default bertscore layer (only bert and roberta do): give one");
        var layers = EncoderConfig.FromJson(json, configPath).NumHiddenLayers;

        var names = Names(directory, reader.String(NameOrPathKey, null)).DistinctBy(n => n.Name, StringComparer.OrdinalIgnoreCase).ToList();
        var known = names.Select(n => (n.Name, n.Where, Entry: TunedLayers.Find(n.Name))).FirstOrDefault(n => n.Entry is not null);
        if (known.Entry is not { } entry)
        {
            var tried = string.Join(", ", names.Select(n => $"\"{n.Name}\""));
            return new BertScoreLayer(layers, BertScoreLayerSource.Last, null, $"the last layer: bert-score has no tuned layer for {tried}");
        }
        var named = $"named \"{known.Name}\" by {known.Where}";
        if (entry.ModelType != modelType || entry.Layer > layers)
        {
            return new BertScoreLayer(layers, BertScoreLayerSource.Last, null,
                $"the last layer: {named}, but bert-score's tuned layer for {entry.Name} ({entry.Layer}, of a {entry.ModelType} model) does not fit this {modelType} checkpoint with {layers} layers");
        }
        return new BertScoreLayer(entry.Layer, BertScoreLayerSource.Tuned, entry.Name, $"bert-score's tuned layer for {entry.Name} ({named})");
    }

    /// <summary>The names to look up, in order, each with where it came from.</summary>
    private static IEnumerable<(string Name, string Where)> Names(string directory, string? nameOrPath)
    {
        if (!string.IsNullOrWhiteSpace(nameOrPath))
        {
            yield return (nameOrPath, $"config.json {NameOrPathKey}");
            if (!HubId().IsMatch(nameOrPath)) yield return (NameOf(nameOrPath), $"config.json {NameOrPathKey}");
        }
        yield return (NameOf(Path.GetFullPath(directory)), "the directory");
    }

    /// <summary>The model name a checkpoint path gives (see the remarks).</summary>
    private static string NameOf(string path)
    {
        var parts = path.Split(['/', '\\'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return path;
        if (parts.Length >= 3 && parts[^2] == "snapshots" && parts[^3].StartsWith(CachePrefix, StringComparison.Ordinal)) return RepoId(parts[^3]);
        return parts[^1].StartsWith(CachePrefix, StringComparison.Ordinal) ? RepoId(parts[^1]) : parts[^1];
    }

    // huggingface_hub names a repository's cache folder "models--" + repo_id.replace("/", "--");
    // Hub names cannot contain "--", so the first one is the organisation's end.
    private static string RepoId(string folder)
    {
        var id = folder[CachePrefix.Length..];
        var split = id.IndexOf("--", StringComparison.Ordinal);
        return split < 0 ? id : id[..split] + "/" + id[(split + 2)..];
    }

    /// <summary>A Hub repository id: <c>name</c> or <c>org/name</c> (letters, digits, <c>-</c>, <c>_</c>, <c>.</c>).</summary>
    [GeneratedRegex(@"^[A-Za-z0-9_.\-]+(/[A-Za-z0-9_.\-]+)?$")]
    private static partial Regex HubId();
}
