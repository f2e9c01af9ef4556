namespace Cora.Training;

/// <summary>Memory figures of this process as Linux reports them in <c>/proc/self/status</c>.</summary>
public static class ProcessMemory
{
    /// <summary>Peak resident set size (VmHWM) in bytes — native tensors, the managed heap and
    /// touched pages of memory-mapped checkpoints alike; null where /proc is not available.</summary>
    public static long? PeakResidentBytes() => Read("VmHWM:");

    private static long? Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status)) return null;
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        var parts = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts is [_, var kb, "kB"] && long.TryParse(kb, out var value) ? value * 1024 : null;
    }
}
