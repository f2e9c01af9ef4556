using System.Globalization;

namespace Cora.Training.Diagnostics;

/// <summary>
/// Samples the process's anonymous resident memory (<c>RssAnon</c> in <c>/proc/self/status</c>:
/// heap, native allocations such as libtorch's tensors, stacks) on a background thread and keeps
/// the peak. Anonymous, not total RSS: pages of memory-mapped checkpoints count in VmRSS/VmHWM
/// (as RssFile) although the kernel can drop them at any time, so total RSS would measure how much
/// of the files was touched, not what the process needs.
/// </summary>
/// <remarks>Linux only; elsewhere every reading is null. A peak shorter than the sampling
/// interval can be missed, so the interval should be well under the duration of one unit of work.</remarks>
public sealed class PeakMemory : IDisposable
{
    private readonly Thread _sampler;
    private readonly ManualResetEventSlim _stop = new();
    private readonly TimeSpan _interval;
    private long _peak;

    private PeakMemory(TimeSpan interval)
    {
        _interval = interval;
        _peak = AnonBytes() ?? 0;
        _sampler = new Thread(Sample) { IsBackground = true, Name = "peak-memory" };
        _sampler.Start();
    }

    /// <summary>Starts sampling every <paramref name="interval"/> (default 10 ms).</summary>
    public static PeakMemory Start(TimeSpan? interval = null) => new(interval ?? TimeSpan.FromMilliseconds(10));

    /// <summary>The highest RssAnon seen so far, in bytes (0 where /proc is not available).</summary>
    public long PeakAnonBytes => Interlocked.Read(ref _peak);

    /// <summary>The current RssAnon in bytes, or null where <c>/proc/self/status</c> does not report it.</summary>
    public static long? AnonBytes()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        foreach (var line in File.ReadLines(path))
        {
            // "RssAnon:	  123456 kB"
            if (!line.StartsWith("RssAnon:", StringComparison.Ordinal)) continue;
            var kilobytes = line["RssAnon:".Length..].Trim().Split(' ')[0];
            return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
        }
        return null;
    }

    private void Sample()
    {
        do
        {
            Record();
        } while (!_stop.Wait(_interval));
        Record();
    }

    /// <summary>Takes a reading now, on the calling thread (for a moment the sampler could miss).</summary>
    public void Record()
    {
        var now = AnonBytes() ?? 0;
        long seen;
        while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
        {
        }
    }

    /// <summary>Stops sampling after one last reading; <see cref="PeakAnonBytes"/> stays readable. Idempotent.</summary>
    public void Dispose()
    {
        if (_stop.IsSet) return;
        _stop.Set();
        _sampler.Join();
    }
}
