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

    /// <summary>The store's directory.</summary>
    public string Root { get; } = Path.GetFullPath(directory);

    /// <summary>The plan store of an artifact store.</summary>
    public static PlanStore In(string artifacts) => new(Path.Combine(artifacts, Folder));

    public string PathOf(string sweepId) => Path.Combine(Root, sweepId + ".json.gz");

    /// <summary>Stores <paramref name="plan"/> (atomically: a crash leaves no half file) unless a
    /// plan with its id is stored already, and returns the stored plan (that one, if so) with the
    /// reference to journal.</summary>
    public (PlanRef Reference, SweepPlan Plan) Save(SweepPlan plan)
    {
        var path = PathOf(plan.SweepId);
        if (File.Exists(path))
        {
            var (stored, storedHash) = Read(path);
            return (ReferenceTo(stored, storedHash), stored);
        }
        var bytes = Gzipped(plan);
        try
        {
            WriteAtomically(path, bytes, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another coordinator node stored the same sweep a moment earlier: that one stays.
            return Save(plan);
        }
        return (ReferenceTo(plan, Convert.ToHexStringLower(SHA256.HashData(bytes))), plan);
    }

    /// <summary>The plan a reference names, checked against its hash; a missing, changed or
    /// unreadable file is an error that names it.</summary>
    public SweepPlan Load(PlanRef reference)
    {
        var path = PathOf(reference.SweepId);
        var (plan, hash) = Read(path);
        if (hash != reference.Sha256)
            throw new InvalidDataException($"{path}: SHA-256 {hash} is not the journaled {reference.Sha256}: the plan file was changed or cut");
        if (plan.SweepId != reference.SweepId || plan.Trials.Count != reference.Trials)
            throw new InvalidDataException($"{path}: holds sweep {plan.SweepId} with {plan.Trials.Count} trials, not {reference.SweepId} with {reference.Trials}");
        return plan;
    }

    private static PlanRef ReferenceTo(SweepPlan plan, string sha256) => new(plan.SweepId, plan.Name, plan.GridFile, plan.Trials.Count, sha256);

    /// <summary>A stored plan and the SHA-256 of its file, from one read.</summary>
    private static (SweepPlan Plan, string Sha256) Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: the sweep's plan is missing from the artifact store (is the store mounted on this node?)", path);
        var bytes = File.ReadAllBytes(path);
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        try
        {
            return (Ungzipped<SweepPlan>(bytes) ?? throw new InvalidDataException($"{path}: holds JSON null, not a sweep plan"), hash);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException && e.Message.IndexOf(path, StringComparison.Ordinal) < 0)
        {
            throw new InvalidDataException($"{path}: not a readable sweep plan: {e.Message}", e);
        }
    }

    /// <summary>Keeps one part of a plan a console uploads in pieces (<paramref name="upload"/> is
    /// an id the console chose, <paramref name="part"/> counts from 0). Any node that sees the
    /// store may receive any part.</summary>
    public void SavePart(string upload, int part, IReadOnlyList<TrialPlan> trials)
    {
        WriteAtomically(Path.Combine(UploadFolder(upload), $"{part:D6}.json.gz"), Gzipped(trials), overwrite: true);
    }

    private static byte[] Gzipped<T>(T value)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, value, CoraJsonSerializer.Options);
        }
        return memory.ToArray();
    }

    private static T? Ungzipped<T>(byte[] bytes)
    {
        using var gzip = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
        return JsonSerializer.Deserialize<T>(gzip, CoraJsonSerializer.Options);
    }

    /// <summary>Written to a temporary file and moved into place: never a half file.</summary>
    private static void WriteAtomically(string path, byte[] bytes, bool overwrite)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temporary, bytes);
            File.Move(temporary, path, overwrite);
        }
        finally
        {
            File.Delete(temporary);   // gone already once moved
        }
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
            trials.AddRange(Ungzipped<List<TrialPlan>>(File.ReadAllBytes(path)) ?? []);
        }
        Directory.Delete(folder, recursive: true);
        RemoveAbandonedUploads();
        return trials;
    }

    private string UploadFolder(string upload) => Path.Combine(Root, UploadsFolder, upload);

    private void RemoveAbandonedUploads()
    {
        var uploads = new DirectoryInfo(Path.Combine(Root, UploadsFolder));
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
