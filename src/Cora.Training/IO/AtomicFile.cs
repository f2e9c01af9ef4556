using System.Text;

namespace Cora.Training.IO;

/// <summary>
/// Writes files so that a reader never sees half of one: the content goes to a temporary file in
/// the same directory, is flushed to disk, and is then renamed over the final name (rename is
/// atomic on POSIX filesystems). A crash leaves either the old file or the new one, plus at worst a
/// hidden <c>.NAME.*.tmp</c> file next to it. The directory entry itself is not fsynced, so after a
/// power loss the old file may reappear.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string text) =>
        Write(path, stream => stream.Write(new UTF8Encoding(false).GetBytes(text)));

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>Runs <paramref name="write"/> on a temporary file, then moves it to <paramref name="path"/>.</summary>
    public static void Write(string path, Action<FileStream> write)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
