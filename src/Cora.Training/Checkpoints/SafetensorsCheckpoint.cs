using System.Security.Cryptography;
using System.Text.RegularExpressions;
using static TorchSharp.torch;

namespace Cora.Training.Checkpoints;

/// <summary>
/// The weights of a Hugging Face checkpoint directory: one <c>model.safetensors</c>, or shards
/// <c>model-0000k-of-0000n.safetensors</c> listed by <c>model.safetensors.index.json</c>.
/// All files are memory-mapped and validated at <see cref="Open"/>; tensors are read one at a time.
/// </summary>
public sealed partial class SafetensorsCheckpoint : IDisposable
{
    public const string SingleFileName = "model.safetensors";
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly Dictionary<string, SafetensorsFile> _fileOf;

    private SafetensorsCheckpoint(string directory, IReadOnlyList<SafetensorsFile> files)
    {
        Directory = directory;
        Files = files;
        Names = files.SelectMany(f => f.Tensors.Select(t => t.Name)).ToList();
        _fileOf = files.SelectMany(f => f.Tensors.Select(t => (t.Name, File: f))).ToDictionary(x => x.Name, x => x.File);
    }

    /// <summary>Full path of the checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>The weight files: one, or the shards in file-name order.</summary>
    public IReadOnlyList<SafetensorsFile> Files { get; }

    /// <summary>Every tensor name: file by file (in <see cref="Files"/> order), each in header order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Bytes of tensor data over all files (what the index calls <c>total_size</c>).</summary>
    public long TotalBytes => Files.Sum(f => f.DataBytes);

    /// <summary>
    /// Opens the weights in <paramref name="directory"/>. Like transformers, a single
    /// <c>model.safetensors</c> wins over an index when both are present.
    /// </summary>
    /// <exception cref="InvalidInputException">
    /// No weights; a bad index; an index naming a missing shard or a tensor its shard lacks; a shard
    /// holding a tensor the index does not map to it; or any shard error of <see cref="SafetensorsFile.Open"/>.
    /// </exception>
    public static SafetensorsCheckpoint Open(string directory)
    {
        directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new InvalidInputException($"{directory}: no such directory");
        }
        var single = Path.Combine(directory, SingleFileName);
        var index = Path.Combine(directory, IndexFileName);
        if (File.Exists(single))
        {
            return new SafetensorsCheckpoint(directory, [SafetensorsFile.Open(single)]);
        }
        if (File.Exists(index))
        {
            return OpenSharded(directory, index);
        }
        throw new InvalidInputException($"{directory}: no {SingleFileName} or {IndexFileName}");
    }

    private static SafetensorsCheckpoint OpenSharded(string directory, string index)
    {
        var weightMap = ShardIndex.Read(index);
        var files = new List<SafetensorsFile>();
        var opened = false;
        try
        {
            foreach (var shard in weightMap.Select(w => w.Shard).Distinct().Order(StringComparer.Ordinal))
            {
                var path = Path.Combine(directory, shard);
                if (!File.Exists(path))
                {
                    throw new InvalidInputException($"{index}: names shard {shard}, which does not exist");
                }
                files.Add(SafetensorsFile.Open(path));
            }
            var fileByShard = files.ToDictionary(f => Path.GetFileName(f.Path));
            foreach (var (tensor, shard) in weightMap)
            {
                if (!fileByShard[shard].Contains(tensor))
                {
                    throw new InvalidInputException($"{index}: maps tensor '{tensor}' to {shard}, which does not hold it");
                }
            }
            // A tensor in a shard that the index does not map there is an error, not something
            // to skip or to take: the index and its shards disagree, so the checkpoint is mixed up
            // (a stale shard, a hand-edited index), and which copy is meant cannot be known.
            var mapped = weightMap.ToHashSet();
            foreach (var file in files)
            {
                var shard = Path.GetFileName(file.Path);
                var unlisted = file.Tensors.FirstOrDefault(t => !mapped.Contains((t.Name, shard)));
                if (unlisted is not null)
                {
                    throw new InvalidInputException(
                        $"{file.Path}: holds tensor '{unlisted.Name}', which {IndexFileName} does not map to this shard");
                }
            }
            var checkpoint = new SafetensorsCheckpoint(directory, files);
            opened = true;
            return checkpoint;
        }
        finally
        {
            if (!opened)
            {
                files.ForEach(f => f.Dispose());
            }
        }
    }

    public bool Contains(string name) => _fileOf.ContainsKey(name);

    /// <summary>The file that holds <paramref name="name"/>.</summary>
    /// <exception cref="InvalidInputException">No such tensor.</exception>
    public SafetensorsFile FileOf(string name) =>
        _fileOf.TryGetValue(name, out var file)
            ? file
            : throw new InvalidInputException($"{Directory}: no tensor '{name}' in the checkpoint");

    /// <inheritdoc cref="SafetensorsFile.Entry"/>
    public TensorEntry Entry(string name) => FileOf(name).Entry(name);

    /// <inheritdoc cref="SafetensorsFile.Load"/>
    public Tensor Load(string name, ScalarType? dtype = null) => FileOf(name).Load(name, dtype);

    /// <inheritdoc cref="SafetensorsFile.AppendBytes"/>
    public void AppendBytes(string name, IncrementalHash hash) => FileOf(name).AppendBytes(name, hash);

    /// <summary>
    /// Writes <paramref name="tensors"/> into <paramref name="directory"/> (created if needed) as
    /// <c>model.safetensors</c>, or, when they exceed <paramref name="maxShardBytes"/>, as shards
    /// <c>model-0000k-of-0000n.safetensors</c> plus <c>model.safetensors.index.json</c>.
    /// </summary>
    /// <remarks>
    /// Shards are filled in the given order (state-dict order, as transformers does), a new one
    /// started when the next tensor would take the current one past <paramref name="maxShardBytes"/>;
    /// a tensor larger than the limit gets a shard of its own. Each file is written atomically;
    /// shards first, then the index that makes them a checkpoint. Weight files of the other
    /// layout or stale shards are deleted last, so a crash mid-way leaves either the old files or
    /// the new ones readable (a leftover <c>model.safetensors</c> still wins over a new index until
    /// it is deleted). Metadata defaults to <c>{"format": "pt"}</c>, which transformers expects.
    /// </remarks>
    /// <exception cref="ArgumentException">Duplicate or reserved name, or a dtype safetensors cannot hold.</exception>
    public static void Write(
        string directory,
        IEnumerable<(string Name, Tensor Tensor)> tensors,
        long? maxShardBytes = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (maxShardBytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxShardBytes), maxShardBytes, "must be positive");
        }
        metadata ??= new Dictionary<string, string> { ["format"] = "pt" };
        var shards = Split(tensors.ToList(), maxShardBytes ?? long.MaxValue);
        directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(directory);

        if (shards.Count == 1)
        {
            SafetensorsWriter.Write(Path.Combine(directory, SingleFileName), shards[0], metadata);
            RemoveStaleWeights(directory, keep: [SingleFileName]);
            return;
        }
        var names = Enumerable.Range(1, shards.Count).Select(k => $"model-{k:D5}-of-{shards.Count:D5}.safetensors").ToList();
        for (var k = 0; k < shards.Count; k++)
        {
            SafetensorsWriter.Write(Path.Combine(directory, names[k]), shards[k], metadata);
        }
        var totalSize = shards.SelectMany(s => s).Sum(t => ByteSize(t.Tensor));
        ShardIndex.Write(
            Path.Combine(directory, IndexFileName),
            totalSize,
            shards.SelectMany((shard, k) => shard.Select(t => (t.Name, names[k]))));
        RemoveStaleWeights(directory, keep: [.. names, IndexFileName]);
    }

    /// <summary>Consecutive groups of at most <paramref name="maxShardBytes"/> (unless one tensor alone is more).</summary>
    private static List<List<(string Name, Tensor Tensor)>> Split(List<(string Name, Tensor Tensor)> tensors, long maxShardBytes)
    {
        // Checked here, before any file is written, rather than per shard by the writer: a
        // duplicate or an unwritable dtype in a later shard must not leave earlier shards behind.
        var duplicate = tensors.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"tensor '{duplicate.Key}' given twice", nameof(tensors));
        }
        tensors.ForEach(t => SafetensorsDType.FromScalarType(t.Tensor.dtype));

        var shards = new List<List<(string, Tensor)>> { new() };
        long current = 0;
        foreach (var tensor in tensors)
        {
            var size = ByteSize(tensor.Tensor);
            if (shards[^1].Count > 0 && current + size > maxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(tensor);
            current += size;
        }
        return shards;
    }

    private static long ByteSize(Tensor tensor) => tensor.NumberOfElements * tensor.ElementSize;

    /// <summary>Deletes weight files (single, index, shards) of this directory that are not in <paramref name="keep"/>.</summary>
    private static void RemoveStaleWeights(string directory, IReadOnlyCollection<string> keep)
    {
        foreach (var path in System.IO.Directory.EnumerateFiles(directory))
        {
            var name = Path.GetFileName(path);
            var isWeights = name is SingleFileName or IndexFileName || ShardName().IsMatch(name);
            if (isWeights && !keep.Contains(name))
            {
                File.Delete(path);
            }
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex ShardName();

    public void Dispose()
    {
        foreach (var file in Files)
        {
            file.Dispose();
        }
    }
}
