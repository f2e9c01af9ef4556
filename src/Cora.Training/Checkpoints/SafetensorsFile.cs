using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using static TorchSharp.torch;

namespace Cora.Training.Checkpoints;

/// <summary>
/// A safetensors file, memory-mapped read-only. <see cref="Open"/> parses and validates the whole
/// header (see <see cref="SafetensorsHeader"/> for the rules), so every entry it lists can be read;
/// tensor data is read one tensor at a time, straight from the mapping, never the whole file.
/// </summary>
/// <remarks>
/// Reads may run concurrently from several threads; <see cref="Dispose"/> must not race them.
/// Format: 8 bytes little-endian header length N, N bytes of JSON header, then the data section;
/// tensor data is C order, little endian.
/// </remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _data;
    private readonly Dictionary<string, TensorEntry> _byName;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, byte* data,
        SafetensorsHeader header, long dataBytes)
    {
        Path = path;
        _map = map;
        _view = view;
        _data = data;
        Metadata = header.Metadata;
        Tensors = header.Tensors;
        DataBytes = dataBytes;
        _byName = header.Tensors.ToDictionary(t => t.Name);
    }

    /// <summary>Full path of the file.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in header order.</summary>
    public IReadOnlyList<TensorEntry> Tensors { get; }

    /// <summary>Size of the data section: the sum of every tensor's byte size.</summary>
    public long DataBytes { get; }

    /// <summary>Maps and validates <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">Missing, truncated or malformed file; the message names the file and the problem.</exception>
    public static SafetensorsFile Open(string path)
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("safetensors data is little endian; this machine is not");
        }
        path = System.IO.Path.GetFullPath(path);
        var stream = OpenStream(path);
        var length = stream.Length;
        if (length < sizeof(ulong))
        {
            stream.Dispose();
            throw new InvalidInputException(
                $"{path}: truncated: {length} bytes, shorter than the 8-byte header length");
        }

        var map = MemoryMappedFile.CreateFromFile(
            stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor? view = null;
        var acquired = false;
        var opened = false;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            byte* start = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            acquired = true;
            start += view.PointerOffset;
            PageAdvice.RandomAccess(start, length);  // before the first read: no read-around, even for the header

            var headerBytes = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, sizeof(ulong)));
            if (headerBytes > SafetensorsHeader.MaxHeaderBytes)
            {
                throw new InvalidInputException(
                    $"{path}: header size {headerBytes} is above the {SafetensorsHeader.MaxHeaderBytes}-byte limit");
            }
            if (headerBytes > (ulong)(length - sizeof(ulong)))
            {
                throw new InvalidInputException(
                    $"{path}: header size {headerBytes} runs past the end of the file ({length} bytes)");
            }
            var json = new ReadOnlySpan<byte>(start + sizeof(ulong), (int)headerBytes).ToArray();
            var dataOffset = sizeof(ulong) + (long)headerBytes;
            var header = SafetensorsHeader.Parse(path, json, length - dataOffset);
            var file = new SafetensorsFile(path, map, view, start + dataOffset, header, length - dataOffset);
            opened = true;
            return file;
        }
        finally
        {
            // On failure the mapping is still this method's to release; on success the file owns it.
            if (!opened)
            {
                if (acquired)
                {
                    view!.SafeMemoryMappedViewHandle.ReleasePointer();
                }
                view?.Dispose();
                map.Dispose();
            }
        }
    }

    private static FileStream OpenStream(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InvalidInputException($"{path}: no such file", e);
        }
    }

    /// <summary>Whether the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    /// <exception cref="InvalidInputException">No such tensor.</exception>
    public TensorEntry Entry(string name) =>
        _byName.TryGetValue(name, out var entry)
            ? entry
            : throw new InvalidInputException($"{Path}: no tensor '{name}'");

    /// <summary>
    /// A new CPU tensor that owns a copy of <paramref name="name"/>'s data, in the stored dtype, or
    /// converted to <paramref name="dtype"/> (BF16 and F16 widen to F32 exactly).
    /// </summary>
    /// <exception cref="InvalidInputException">No such tensor, or its dtype has no TorchSharp type.</exception>
    public Tensor Load(string name, ScalarType? dtype = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var entry = Entry(name);
        var stored = entry.DType.ScalarType
            ?? throw new InvalidInputException(
                $"{Path}: tensor '{name}': dtype {entry.DType} has no TorchSharp type; read it with ReadBytes");
        Prefetch(entry);
        var tensor = empty(entry.Shape.ToArray(), stored, CPU);
        TensorBytes.ForEachChunk(tensor, (chunk, offset) => Bytes(entry, offset, chunk.Length).CopyTo(chunk));
        if (dtype is null || dtype == stored)
        {
            return tensor;
        }
        using (tensor)
        {
            return tensor.to_type(dtype.Value);
        }
    }

    /// <summary>
    /// Copies <paramref name="name"/>'s raw bytes (C order, little endian) into
    /// <paramref name="destination"/>, whose length must be the entry's <see cref="TensorEntry.ByteSize"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">No such tensor.</exception>
    /// <exception cref="ArgumentException">Wrong destination length.</exception>
    public void ReadBytes(string name, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var entry = Entry(name);
        if (destination.Length != entry.ByteSize)
        {
            throw new ArgumentException(
                $"tensor '{name}' has {entry.ByteSize} bytes; the destination holds {destination.Length}",
                nameof(destination));
        }
        Prefetch(entry);
        Bytes(entry, 0, destination.Length).CopyTo(destination);
    }

    /// <summary>
    /// Feeds <paramref name="name"/>'s raw bytes to <paramref name="hash"/> straight from the
    /// mapping, a chunk at a time: only that tensor's pages are touched, and nothing is copied.
    /// </summary>
    /// <exception cref="InvalidInputException">No such tensor.</exception>
    public void AppendBytes(string name, IncrementalHash hash)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var entry = Entry(name);
        Prefetch(entry);
        for (long offset = 0; offset < entry.ByteSize; offset += TensorBytes.ChunkBytes)
        {
            hash.AppendData(Bytes(entry, offset, (int)Math.Min(TensorBytes.ChunkBytes, entry.ByteSize - offset)));
        }
    }

    /// <summary>Asks the kernel for exactly the entry's pages (see <see cref="PageAdvice"/>).</summary>
    private void Prefetch(TensorEntry entry) => PageAdvice.Prefetch(_data + entry.DataBegin, entry.ByteSize);

    /// <summary>A view of <paramref name="length"/> bytes of the entry's data from <paramref name="offset"/>.</summary>
    private ReadOnlySpan<byte> Bytes(TensorEntry entry, long offset, int length) =>
        new(_data + entry.DataBegin + offset, length);

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
