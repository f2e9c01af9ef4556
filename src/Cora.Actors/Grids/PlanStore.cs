using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Actors.Serialization;

namespace Cora.Actors.Grids;

/// <summary>
/// Where sweep plans live: one gzip'd JSON file per sweep, <c>plans/SWEEP_ID.json.gz</c> in the
/// artifact store, written once and never changed. A plan is never sent or journaled whole: the
/// coordinator journals a <see cref="PlanRef"/> (id, name, size and the file's SHA-256) and reads
/// the file when it recovers, so a sweep of 100,000 trials costs the journal one small event.
/// </summary>
/// <remarks>
/// The sweep id is the hash of the plan's trial ids, so a plan file is addressed by content; the
/// first plan stored under an id stays (a later one with the same trials only moved paths, and the
/// coordinator keeps the sweep it knows anyway). The SHA-256 in the reference catches a file
/// changed or cut behind the coordinator's back.
/// </remarks>
public sealed class PlanStore(string directory)
{
    /// <summary>The store's folder under an artifact store.</summary>
    public const string Folder = "plans";

    /// <summary>Uploads in progress (<see cref="SavePart"/>), one folder each.</summary>
    private const string UploadsFolder = "uploads";

    /// <summary>Uploads untouched this long were abandoned by their console and are removed.</summary>
    private static readonly TimeSpan AbandonedAfter = TimeSpan.FromDays(1);

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The plan store of an artifact store.</summary>
    public static PlanStore In(string artifacts) => new(Path.Combine(artifacts, Folder));

    public string PathOf(string sweepId) => Path.Combine(Directory, sweepId + ".json.gz");

    /// <summary>Stores <paramref name="plan"/> (atomically: a crash leaves no half file) unless a
    /// plan with its id is stored already, and returns the reference to journal.</summary>
    public PlanRef Save(SweepPlan plan)
    {
        var path = PathOf(plan.SweepId);
        if (!File.Exists(path)) Write(path, plan, overwrite: false);
        var stored = Load(path, expectedHash: null);
        return new PlanRef(stored.SweepId, stored.Name, stored.GridFile, stored.Trials.Count, Hash(path));
    }

    /// <summary>The plan a reference names, checked against its hash; a missing, changed or
    /// unreadable file is an error that names it.</summary>
    public SweepPlan Load(PlanRef reference)
    {
        var plan = Load(PathOf(reference.SweepId), reference.Sha256);
        if (plan.SweepId != reference.SweepId || plan.Trials.Count != reference.Trials)
            throw new InvalidDataException($"{PathOf(reference.SweepId)}: holds sweep {plan.SweepId} with {plan.Trials.Count} trials, not {reference.SweepId} with {reference.Trials}");
        return plan;
    }

    private static SweepPlan Load(string path, string? expectedHash)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: the sweep's plan is missing from the artifact store (is the store mounted on this node?)", path);
        if (expectedHash is not null && Hash(path) is var actual && actual != expectedHash)
            throw new InvalidDataException($"{path}: SHA-256 {actual} is not the journaled {expectedHash}: the plan file was changed or cut");
        try
        {
            return Read<SweepPlan>(path) ?? throw new InvalidDataException($"{path}: holds JSON null, not a sweep plan");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException && e.Message.IndexOf(path, StringComparison.Ordinal) < 0)
        {
            throw new InvalidDataException($"{path}: not a readable sweep plan: {e.Message}", e);
        }
    }

    private static string Hash(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Keeps one part of a plan a console uploads in pieces (<paramref name="upload"/> is
    /// an id the console chose, <paramref name="part"/> counts from 0). Any node that sees the
    /// store may receive any part.</summary>
    public void SavePart(string upload, int part, IReadOnlyList<TrialPlan> trials)
    {
        Write(Path.Combine(UploadFolder(upload), $"{part:D6}.json.gz"), trials, overwrite: true);
    }

    /// <summary>Gzip'd JSON, written to a temporary file and moved into place: never a half file.</summary>
    private static void Write<T>(string path, T value, bool overwrite)
    {
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        {
            JsonSerializer.Serialize(gzip, value, CoraJsonSerializer.Options);
        }
        File.Move(temporary, path, overwrite);
    }

    private static T? Read<T>(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        return JsonSerializer.Deserialize<T>(gzip, CoraJsonSerializer.Options);
    }

    /// <summary>The trials of an upload's <paramref name="parts"/> parts in order; a missing part is
    /// an error that names it. The upload's folder is removed, and so are uploads abandoned long ago.</summary>
    public IReadOnlyList<TrialPlan> TakeParts(string upload, int parts)
    {
        var folder = UploadFolder(upload);
        var trials = new List<TrialPlan>();
        for (var part = 0; part < parts; part++)
        {
            var path = Path.Combine(folder, $"{part:D6}.json.gz");
            if (!File.Exists(path)) throw new FileNotFoundException($"upload {upload}: part {part} of {parts} never arrived ({path})", path);
            trials.AddRange(Read<List<TrialPlan>>(path) ?? []);
        }
        System.IO.Directory.Delete(folder, recursive: true);
        RemoveAbandonedUploads();
        return trials;
    }

    private string UploadFolder(string upload) => Path.Combine(Directory, UploadsFolder, upload);

    private void RemoveAbandonedUploads()
    {
        var uploads = new DirectoryInfo(Path.Combine(Directory, UploadsFolder));
        if (!uploads.Exists) return;
        foreach (var old in uploads.EnumerateDirectories().Where(d => DateTime.UtcNow - d.LastWriteTimeUtc > AbandonedAfter))
        {
            try { old.Delete(recursive: true); }
            catch (IOException) { }   // another node removed it first
        }
    }
}

/// <summary>What the coordinator journals for a sweep's plan: enough to find the plan file
/// (<see cref="PlanStore"/>) and to know it is the same one.</summary>
/// <param name="Trials">How many trials the plan holds.</param>
/// <param name="Sha256">SHA-256 of the stored file, lowercase hex.</param>
public sealed record PlanRef(
    [property: JsonPropertyName("sweep_id")] string SweepId,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("grid_file")] string GridFile,
    [property: JsonPropertyName("trials")] int Trials,
    [property: JsonPropertyName("sha256")] string Sha256);
