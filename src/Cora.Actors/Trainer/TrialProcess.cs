using System.Diagnostics;

namespace Cora.Actors.Trainer;

/// <summary>How a trial process ended.</summary>
/// <param name="ExitCode">The exit code; 128 + N when signal N killed it.</param>
/// <param name="LogTail">The last lines of its output, for the failure reason.</param>
public sealed record TrialProcessExit(int ExitCode, bool TimedOut, bool Cancelled, IReadOnlyList<string> LogTail);

/// <summary>
/// Runs one trial attempt as a child process, so that a native crash, an out-of-memory kill or a
/// hang costs the trial and never the node. Progress lines go to <paramref name="onProgress"/>
/// (called on a reader thread); all output is appended to <c>trial.log</c>. A timeout or
/// cancellation kills the whole process tree.
/// </summary>
public static class TrialProcess
{
    private const int TailLines = 20;

    public static async Task<TrialProcessExit> RunAsync(
        IReadOnlyList<string> command, IReadOnlyDictionary<string, string> environment, string logFile, TimeSpan timeout,
        Action<TrialProgressLine> onProgress, CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;

        var tail = new Queue<string>();
        await using var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        void Line(string? line, bool stdout)
        {
            if (line is null) return;
            if (stdout && TrialProgressLine.TryParse(line) is { } progress)
            {
                onProgress(progress);
                return;
            }
            lock (tail)
            {
                log.WriteLine(line);
                tail.Enqueue(line);
                if (tail.Count > TailLines) tail.Dequeue();
            }
        }

        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Line(e.Data, stdout: true);
        process.ErrorDataReceived += (_, e) => Line(e.Data, stdout: false);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = new CancellationTokenSource(timeout);
        using var either = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellation);
        // The kill runs inside Cancel() itself (a token registration is called synchronously), so
        // a trainer that cancels in PostStop has killed its process before its node goes on.
        using (either.Token.Register(() => Kill(process)))
        {
            await process.WaitForExitAsync(CancellationToken.None);
        }
        // WaitForExit without a timeout drains the output readers.
        process.WaitForExit();
        lock (tail)
        {
            return new TrialProcessExit(process.ExitCode, deadline.IsCancellationRequested && !cancellation.IsCancellationRequested,
                cancellation.IsCancellationRequested, tail.ToList());
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited on its own in the meantime.
        }
    }
}
