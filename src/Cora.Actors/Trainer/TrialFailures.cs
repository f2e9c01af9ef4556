namespace Cora.Actors.Trainer;

/// <summary>
/// Turns a failed trial process into a reason a person can act on, and decides whether a retry can
/// help. Deterministic (not retried): bad input or config (exit 65/66) and divergence (exit 1:
/// same seed, same data, same NaN). Retried: crashes, kills (out of memory: SIGKILL), timeouts.
/// </summary>
public static class TrialFailures
{
    /// <summary>Exit codes of <c>cora</c> (see Cora.Cluster ExitCodes) that a retry cannot change.</summary>
    private static readonly Dictionary<int, string> Deterministic = new()
    {
        [1] = "training diverged",
        [2] = "bad command line",
        [65] = "invalid input",
        [66] = "missing input",
    };

    public static (string Reason, bool Deterministic) Classify(TrialProcessExit exit, TimeSpan timeout, string logFile)
    {
        var detail = exit.LogTail.LastOrDefault(l => l.Length > 0)?.Trim();
        var tail = detail is null ? "" : $": {detail}";
        if (exit.TimedOut) return ($"timed out after {timeout} and was killed (log: {logFile})", false);
        if (exit.Cancelled) return ("cancelled", false);
        if (Deterministic.TryGetValue(exit.ExitCode, out var kind)) return ($"{kind} (exit code {exit.ExitCode}){tail}", true);
        if (exit.ExitCode > 128)
        {
            var signal = exit.ExitCode - 128;
            var name = signal switch
            {
                9 => "SIGKILL — out of memory?",
                6 => "SIGABRT",
                11 => "SIGSEGV",
                15 => "SIGTERM",
                _ => $"signal {signal}",
            };
            return ($"killed by {name} (exit code {exit.ExitCode}){tail}", false);
        }
        return ($"exit code {exit.ExitCode}{tail}", false);
    }
}
