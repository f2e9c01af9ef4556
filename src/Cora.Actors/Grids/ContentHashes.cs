using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cora.Training.Basis;
using Cora.Training.Checkpoints;
using Cora.Training.IO;
using Cora.Training.Model;

namespace Cora.Actors.Grids;

/// <summary>
/// Content hashes of what a grid names, remembered in a small cache file keyed by full path, size
/// and modification time, so resubmitting a grid over a 26 GB checkpoint hashes it once, not at
/// every submission. A file whose size or mtime changed is hashed again.
/// </summary>
public sealed class ContentHashes
{
    private readonly string? _cacheFile;
    private readonly ConcurrentDictionary<string, string> _cache = new(StringComparer.Ordinal);

    /// <param name="cacheFile">Where the cache lives (null: in memory only).</param>
    public ContentHashes(string? cacheFile)
    {
        _cacheFile = cacheFile;
        if (cacheFile is not null && System.IO.File.Exists(cacheFile))
        {
            foreach (var line in System.IO.File.ReadAllLines(cacheFile))
            {
                var tab = line.LastIndexOf('\t');
                if (tab > 0) _cache[line[..tab]] = line[(tab + 1)..];
            }
        }
    }

    /// <summary>SHA-256 of the file's bytes.</summary>
    public string OfFile(string path) => _cache.GetOrAdd(Key(path), _ => FileHash.Sha256(path));

    /// <summary>
    /// The content hash of a whole checkpoint (a base model, a scorer): SHA-256 of a
    /// <c>sha256sum</c>-style listing (<c>"{sha256}  {file name}\n"</c>, ordinal name order) of
    /// <c>config.json</c>, the index if any, and every weight file. Tokenizer files do not count.
    /// </summary>
    public string OfCheckpoint(string directory)
    {
        var listing = new StringBuilder();
        foreach (var file in CheckpointFiles(directory))
        {
            listing.Append(OfFile(file)).Append("  ").Append(Path.GetFileName(file)).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(listing.ToString())));
    }

    /// <summary>
    /// The content hash of a basis source: its config and every layer's q/k/v
    /// (<see cref="SourceDigest"/>), the same hash extraction records in the basis file; only those
    /// bytes are read. Cached under every file of the checkpoint, so a change to any of them
    /// recomputes it.
    /// </summary>
    public string OfSource(string directory)
    {
        var key = "source " + string.Join(' ', CheckpointFiles(directory).Select(Key));
        return _cache.GetOrAdd(key, _ => SourceDigest.Of(directory));
    }

    /// <summary>Writes the cache back (atomically), so the next submission reuses it.</summary>
    public void Save()
    {
        if (_cacheFile is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_cacheFile))!);
        AtomicFile.WriteAllText(_cacheFile, string.Concat(_cache.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}\t{e.Value}\n")));
    }

    /// <summary>config.json, the index if any, and every weight file, in ordinal name order.</summary>
    private static IEnumerable<string> CheckpointFiles(string directory)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        return [.. checkpoint.Files.Select(f => f.Path)
            .Append(Path.Combine(checkpoint.Directory, LlamaCheckpoint.ConfigFileName))
            .Append(Path.Combine(checkpoint.Directory, SafetensorsCheckpoint.IndexFileName))
            .Where(System.IO.File.Exists)
            .Distinct()
            .OrderBy(Path.GetFileName, StringComparer.Ordinal)];
    }

    private static string Key(string path)
    {
        var info = new FileInfo(path);
        return string.Join('|', info.FullName, info.Length.ToString(CultureInfo.InvariantCulture),
            info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
    }
}
