using System.Runtime.InteropServices;

namespace Cora.Training.Checkpoints;

/// <summary>
/// Tells the kernel how a checkpoint mapping is read, so that it reads exactly the tensors asked
/// for. By default a page fault in a file mapping reads the device's whole read-ahead window around
/// it (8 MiB on some virtual disks), which spills into neighbouring tensors nobody asked for: basis
/// extraction, which needs only q/k/v, would pull in a slice of every layer's MLP. Instead the
/// mapping is marked random access (no read-around) and each tensor's byte range is prefetched
/// before it is read (<c>MADV_WILLNEED</c>: large reads of that range and nothing else).
/// </summary>
/// <remarks>Linux only; elsewhere advice is skipped and reads behave as the platform's defaults.
/// Advice never changes what is read, only what the kernel fetches, so a refused call is ignored.</remarks>
internal static unsafe partial class PageAdvice
{
    private const int Random = 1;    // MADV_RANDOM
    private const int WillNeed = 3;  // MADV_WILLNEED

    /// <summary>No read-around for the whole mapping.</summary>
    public static void RandomAccess(byte* start, long length) => Advise(start, length, Random);

    /// <summary>Starts reading the pages that hold [<paramref name="start"/>, +<paramref name="length"/>).</summary>
    public static void Prefetch(byte* start, long length) => Advise(start, length, WillNeed);

    private static void Advise(byte* start, long length, int advice)
    {
        if (!OperatingSystem.IsLinux() || length <= 0) return;
        // madvise wants a page-aligned start; round it down and grow the length to match.
        var page = (nuint)Environment.SystemPageSize;
        var aligned = (nuint)start & ~(page - 1);
        _ = madvise((void*)aligned, (nuint)start - aligned + (nuint)length, advice);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(void* address, nuint length, int advice);
}
