using System.Globalization;

namespace Cora.Training.Memory;

/// <summary>How much memory a trial's device offers, where Cora can know it.</summary>
public static class DeviceMemory
{
    /// <summary>
    /// The bytes a trial on <paramref name="device"/> may use, or null where that is unknown.
    /// <c>cpu</c>: the machine's <c>MemAvailable</c> (/proc/meminfo: free memory plus what the
    /// kernel can reclaim, without swapping), read now — so trials already running on the node
    /// count against it. <c>cuda</c>/<c>cuda:N</c>: unknown. TorchSharp 0.107 binds no CUDA memory
    /// query (its native CUDA calls are is_available, device_count, synchronize and the seeds: no
    /// mem_get_info, no device properties), so a CUDA trial is never refused on memory; the
    /// estimate is still printed by <c>cora train --dry-run</c>.
    /// </summary>
    public static long? Capacity(string device) =>
        device == "cpu" && File.Exists(MemInfoPath) ? MemAvailable(File.ReadAllText(MemInfoPath)) : null;

    private const string MemInfoPath = "/proc/meminfo";

    /// <summary>MemAvailable in bytes from the text of /proc/meminfo (<c>MemAvailable:  123 kB</c>);
    /// null when the line is missing (kernels before 3.14).</summary>
    public static long? MemAvailable(string meminfo)
    {
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            var fields = line["MemAvailable:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(fields[0], CultureInfo.InvariantCulture) * (fields.Length > 1 && fields[1] == "kB" ? 1024 : 1);
        }
        return null;
    }
}
