using System.Diagnostics;
using System.Runtime.InteropServices;
using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.Commands;

/// <summary>Ctrl+C on a real `cora` process: it stops between steps, exits 130, and leaves no
/// file that claims to be complete.</summary>
[Collection(MicroZooGroup.Name)]
public sealed class InterruptTests(MicroZoo zoo)
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

    [Fact]
    public async Task Sigint_during_a_sweep_exits_130_and_stops_its_trial_processes()
    {
        using var temp = new TempDirectory();
        var grid = zoo.SmokeGrid(temp.File("smoke.conf"));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "cora.dll"), "run", grid, "--artifacts", temp.File("artifacts") })
            start.ArgumentList.Add(arg);
        using var cora = Process.Start(start)!;
        var running = new TaskCompletionSource();
        var stderr = new System.Text.StringBuilder();
        cora.ErrorDataReceived += (_, e) =>
        {
            lock (stderr) stderr.AppendLine(e.Data);
            if (e.Data?.Contains("1 running", StringComparison.Ordinal) == true) running.TrySetResult();
        };
        cora.BeginErrorReadLine();
        await running.Task.WaitAsync(TimeSpan.FromMinutes(3));   // throws TimeoutException if no trial starts

        Assert.Equal(0, Kill(cora.Id, SigInt));
        await cora.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(ExitCodes.Interrupted, cora.ExitCode);
        lock (stderr) Assert.Contains("Run the same command again to continue", stderr.ToString());
        var deadline = Stopwatch.StartNew();
        while (Process.GetProcesses().Any(p => IsTrialOf(p, temp.Path)))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), "a trial process outlived the interrupted run");
            await Task.Delay(100);
        }
    }

    private static bool IsTrialOf(Process process, string directory)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{process.Id}/cmdline").Replace('\0', ' ');
            return cmdline.Contains("trial exec", StringComparison.Ordinal) && cmdline.Contains(directory, StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
