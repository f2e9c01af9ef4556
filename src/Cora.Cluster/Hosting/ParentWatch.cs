using System.Runtime.InteropServices;

using Cora.Cluster.Commands;

namespace Cora.Cluster.Hosting;

/// <summary>
/// Ends a child process when its parent is gone (the parent was killed with SIGKILL, so it could
/// not clean up). Polls <c>getppid()</c>: when the parent dies the child is re-parented and the
/// value changes. (<c>PR_SET_PDEATHSIG</c> would fire when the parent's forking thread exits —
/// in .NET a thread-pool thread that may retire while the parent lives on.)
/// The orphan ends with <c>_exit(2)</c>, at once: nobody is left to read its result, its files
/// are written atomically, and a graceful <see cref="Environment.Exit"/> would first wait (up to
/// the command line's termination timeout) for the trial to notice its cancellation.
/// </summary>
public static partial class ParentWatch
{
    private static Timer? _timer;

    public static void ExitWhenOrphaned()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        var parent = getppid();
        _timer = new Timer(_ =>
        {
            if (getppid() != parent) ExitNow(ExitCodes.Interrupted);
        }, null, TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(500));
    }

    [LibraryImport("libc")]
    private static partial int getppid();

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);
}
