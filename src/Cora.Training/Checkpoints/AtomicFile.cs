namespace Cora.Training.Checkpoints;

/// <summary>
/// Writes a file so that readers see either the old file or the complete new one, never part of it.
/// </summary>
/// <remarks>
/// The content goes to a temporary file in the same directory (so the rename stays within one file
/// system), is flushed to disk, then renamed over the target; rename(2) replaces atomically. If
/// anything fails, or the process dies, the target is untouched; a crash can leave a
/// <c>.*.tmp</c> file behind, never a half-written target. The directory entry itself is not
/// fsynced, so after a power loss the old file may reappear.
/// </remarks>
internal static class AtomicFile
{
    public static void Write(string path, Action<FileStream> write)
    {
        path = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None,
                       bufferSize: 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            // After a successful move the temp name is gone; after a failure it must not linger.
            File.Delete(temp);
        }
    }
}
