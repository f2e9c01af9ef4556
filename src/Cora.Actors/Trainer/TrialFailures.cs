namespace Cora.Actors.Trainer;

/// <summary>Whose fault a failed attempt is, which decides what happens to the trial.</summary>
public enum FailureKind
{
    /// <summary>The trial's, and a retry may help (a crash, a timeout): counts toward max-attempts.</summary>
    Transient,
    /// <summary>The trial's, and a retry cannot help (bad input, divergence): the trial fails at once.</summary>
    Deterministic,
    /// <summary>The node's (missing input here, I/O error, no space, the OOM killer): the trial is
    /// retried on another node and the attempt counts as abandoned.</summary>
    NodeFault,
}

/// <summary>
/// Turns a failed trial process into a reason a person can act on, and decides whose fault it is.
/// Deterministic: bad input or config (exit 65), a bad command line (2) and divergence (exit 1:
/// same seed, same data, same NaN). The node's: input missing on this node (66: the grid was
/// planned where the files exist), an I/O or permission error (74), no space left, and SIGKILL
/// without a timeout or cancellation (on a trainer that is the kernel's OOM killer). Anything else
/// (other crashes, timeouts) is retried.
/// </summary>
public static class TrialFailures
{
    /// <summary>Exit codes of <c>cora</c> (see Cora.Cluster ExitCodes) that a retry cannot change.</summary>
    private static readonly Dictionary<int, string> Deterministic = new()
    {
        [1] = "training diverged",
        [2] = "bad command line",
        [65] = "invalid input",
    };

    /// <summary>Exit codes of <c>cora</c> that say the node failed the trial.</summary>
    private static readonly Dictionary<int, string> NodeFaults = new()
    {
        [66] = "input missing on this node",
        [74] = "I/O error on this node",
    };

    private const int SigKill = 9;

    public static (string Reason, FailureKind Kind) Classify(TrialProcessExit exit, TimeSpan timeout, string logFile)
    {
        var detail = exit.LogTail.LastOrDefault(l => l.Length > 0)?.Trim();
        var tail = detail is null ? "" : $": {detail}";
        if (exit.TimedOut) return ($"timed out after {timeout} and was killed (log: {logFile})", FailureKind.Transient);
        if (exit.Cancelled) return ("cancelled", FailureKind.Transient);
        if (Deterministic.TryGetValue(exit.ExitCode, out var kind)) return ($"{kind} (exit code {exit.ExitCode}){tail}", FailureKind.Deterministic);
        if (NodeFaults.TryGetValue(exit.ExitCode, out var fault)) return ($"{fault} (exit code {exit.ExitCode}){tail}", FailureKind.NodeFault);
        if (exit.LogTail.FirstOrDefault(l => l.Contains("No space left on device", StringComparison.Ordinal)) is { } full)
            return ($"no space left on this node (exit code {exit.ExitCode}): {full.Trim()}", FailureKind.NodeFault);
        if (exit.ExitCode > 128)
        {
            var signal = exit.ExitCode - 128;
            if (signal == SigKill) return ($"killed by SIGKILL — the OOM killer? (exit code {exit.ExitCode}){tail}", FailureKind.NodeFault);
            var name = signal switch
            {
                6 => "SIGABRT",
                11 => "SIGSEGV",
                15 => "SIGTERM",
                _ => $"signal {signal}",
            };
            return ($"killed by {name} (exit code {exit.ExitCode}){tail}", FailureKind.Transient);
        }
        return ($"exit code {exit.ExitCode}{tail}", FailureKind.Transient);
    }
}
