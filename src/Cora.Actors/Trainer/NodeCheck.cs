using Cora.Actors.Loading;

namespace Cora.Actors.Trainer;

/// <summary>
/// The check a quarantined trainer slot runs before it pulls work again: the artifact store takes
/// a write (a file created, flushed and deleted), and the inputs of the attempt that faulted last
/// read again (checkpoint directories through the loader's own check, other files opened).
/// </summary>
public static class NodeCheck
{
    /// <returns>Null when everything passes; else what failed, naming the path.</returns>
    public static string? Run(string artifacts, string node, int slot, IReadOnlyList<string> checkpoints, IReadOnlyList<string> files)
    {
        var probe = Path.Combine(artifacts, ".node-check", $"{Sanitize(node)}-{slot}");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(probe)!);
            using (var stream = new FileStream(probe, FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough))
            {
                stream.WriteByte(1);
                stream.Flush(flushToDisk: true);
            }
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"the artifact store does not take a write: {probe}: {e.Message}";
        }
        foreach (var directory in checkpoints)
        {
            if (CheckpointLoader.Inspect(directory) is { NodeFault: true } problem) return problem.Message;
        }
        foreach (var file in files)
        {
            try
            {
                using var stream = File.OpenRead(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return $"{file}: {e.Message}";
            }
        }
        return null;
    }

    private static string Sanitize(string node) => string.Concat(node.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_'));
}
