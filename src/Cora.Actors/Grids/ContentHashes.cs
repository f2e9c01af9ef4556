using System.Collections.Concurrent;
using System.Globalization;
using Cora.Training.Basis;
using Cora.Training.Checkpoints;
using Cora.Training.IO;

namespace Cora.Actors.Grids;

/// <summary>
/// SHA-256 of the files a grid names, remembered in a small cache file keyed by full path, size
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

    public string OfFile(string path)
    {
        var info = new FileInfo(path);
        var key = string.Join('|', info.FullName, info.Length.ToString(CultureInfo.InvariantCulture),
            info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
        return _cache.GetOrAdd(key, _ => FileHash.Sha256(path));
    }

    /// <summary>The content hash of a checkpoint directory (weights, config, index; not the tokenizer).</summary>
    public string OfCheckpoint(string directory)
    {
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        return SourceModels.ContentHash(checkpoint, OfFile);
    }

    /// <summary>Writes the cache back (atomically), so the next submission reuses it.</summary>
    public void Save()
    {
        if (_cacheFile is null) return;
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_cacheFile))!);
        AtomicFile.WriteAllText(_cacheFile, string.Concat(_cache.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}\t{e.Value}\n")));
    }
}
