using System.Runtime.InteropServices;

namespace Cora.Training.Diagnostics;

/// <summary>
/// Hands memory that native code has freed back to the kernel. glibc serves a freed block of up to
/// 32 MiB from its heap next time instead of unmapping it (its mmap threshold rises with every
/// large free), and the holes left between such blocks stay resident: a loop that allocates and
/// frees a few 8 MiB tensors per step then grows its resident memory step after step although it
/// holds nothing. <c>malloc_trim</c> releases every free page of every arena.
/// </summary>
public static partial class FreedMemory
{
    /// <summary>Releases free heap pages (glibc on Linux; elsewhere, or with another libc, nothing).</summary>
    public static void Release()
    {
        if (!OperatingSystem.IsLinux()) return;
        try
        {
            _ = malloc_trim(0);  // 1 if memory was released, 0 if there was none to release
        }
        catch (EntryPointNotFoundException)
        {
            // musl and other libcs have no malloc_trim; their allocators return memory their own way.
        }
    }

    [LibraryImport("libc")]
    private static partial int malloc_trim(nuint pad);
}
