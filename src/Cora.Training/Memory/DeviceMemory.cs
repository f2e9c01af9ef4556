using System.Diagnostics;
using System.Globalization;

namespace Cora.Training.Memory;

/// <summary>How much memory a trial's device offers, where Cora can know it.</summary>
public static class DeviceMemory
{
    /// <summary>
    /// The memory <paramref name="device"/> has in all, in bytes, or null where that is unknown:
    /// what a trial could never exceed, so that a refusal says the trial cannot fit the device, not
    /// that the device is busy now (a trial that meets a busy device is killed or fails to
    /// allocate, a node fault that is retried elsewhere).
    /// <list type="bullet">
    /// <item><c>cpu</c>: the machine's <c>MemTotal</c> (/proc/meminfo).</item>
    /// <item><c>cuda</c>/<c>cuda:N</c>: the device's <c>memory.total</c> as <c>nvidia-smi</c>
    /// reports it. TorchSharp 0.107 binds no CUDA memory query (no mem_get_info, no device
    /// properties), so the driver's tool is asked. The device is the N-th entry of
    /// <c>CUDA_VISIBLE_DEVICES</c> where that is set (a trainer slot sets it,
    /// <c>Cora.Actors.Trainer.CudaDevices</c>), else index N. Unknown (null, never refused) without
    /// nvidia-smi, for a MIG instance (nvidia-smi reports the whole GPU), or when it fails.</item>
    /// </list>
    /// </summary>
    /// <param name="environment">Reads an environment variable (tests pass their own).</param>
    /// <param name="nvidiaSmi">The nvidia-smi executable (tests pass a stand-in).</param>
    public static long? Capacity(string device, Func<string, string?>? environment = null, string nvidiaSmi = "nvidia-smi")
    {
        if (device == "cpu") return File.Exists(MemInfoPath) ? MemTotal(File.ReadAllText(MemInfoPath)) : null;
        if (CudaId(device, environment ?? Environment.GetEnvironmentVariable) is not { } id || id.StartsWith("MIG-", StringComparison.Ordinal)) return null;
        return NvidiaSmiTotal(nvidiaSmi, id);
    }

    private const string MemInfoPath = "/proc/meminfo";

    /// <summary>MemTotal in bytes from the text of /proc/meminfo (<c>MemTotal:  123 kB</c>); null
    /// when the line is missing.</summary>
    public static long? MemTotal(string meminfo)
    {
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
            var fields = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(fields[0], CultureInfo.InvariantCulture) * (fields.Length > 1 && fields[1] == "kB" ? 1024 : 1);
        }
        return null;
    }

    /// <summary>The id nvidia-smi knows the device <c>cuda:N</c> by: the N-th visible device.</summary>
    private static string? CudaId(string device, Func<string, string?> environment)
    {
        if (device != "cuda" && !device.StartsWith("cuda:", StringComparison.Ordinal)) return null;
        if (!int.TryParse(device == "cuda" ? "0" : device[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)) return null;
        if (environment("CUDA_VISIBLE_DEVICES") is not { } visible) return index.ToString(CultureInfo.InvariantCulture);
        var ids = visible.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return index < ids.Length ? ids[index] : null;
    }

    /// <summary>The bytes of device <paramref name="id"/> (an index or GPU-UUID) per nvidia-smi; null if it cannot say.</summary>
    private static long? NvidiaSmiTotal(string nvidiaSmi, string id)
    {
        var start = new ProcessStartInfo(nvidiaSmi) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--query-gpu=memory.total", "--format=csv,noheader,nounits", "-i", id })
            start.ArgumentList.Add(argument);
        try
        {
            using var process = Process.Start(start);
            if (process is null) return null;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                process.Kill();
                return null;
            }
            return process.ExitCode == 0 && long.TryParse(output.Result.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var mib) ? mib << 20 : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;   // no nvidia-smi on this machine
        }
    }
}
