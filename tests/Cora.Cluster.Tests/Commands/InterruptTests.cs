using System.Diagnostics;
using System.Runtime.InteropServices;
using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.Commands;

/// <summary>Ctrl+C on a real `cora` process: it stops between steps, exits 130, and leaves no
/// file that claims to be complete.</summary>
public sealed class InterruptTests
{
    private const int SigInt = 2;

    // kill(2) from libc: no external `kill` binary needed.
    [DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);

    [Fact]
    public async Task Sigint_during_zoo_training_exits_130_without_a_manifest()
    {
        using var temp = new TempDirectory();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "cora.dll"), "zoo", "make", "--preset", "micro", "--out", temp.Path })
            start.ArgumentList.Add(arg);
        using var cora = Process.Start(start)!;
        var training = new TaskCompletionSource();
        cora.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("pretraining base: step", StringComparison.Ordinal) == true) training.TrySetResult();
        };
        cora.BeginErrorReadLine();
        await training.Task.WaitAsync(TimeSpan.FromMinutes(2));   // throws TimeoutException if cora never trains

        Assert.Equal(0, Kill(cora.Id, SigInt));
        await cora.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(ExitCodes.Interrupted, cora.ExitCode);
        Assert.False(File.Exists(Path.Combine(temp.Path, "zoo.json")));
        Assert.Empty(Directory.EnumerateFiles(temp.Path, "*.tmp", SearchOption.AllDirectories));
    }
}
