namespace Cora.Cluster.Commands;

/// <summary>Process exit codes of `cora` (BSD sysexits where one fits).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>The command ran but its answer is "no" (e.g. a check did not hold).</summary>
    public const int Failure = 1;
    /// <summary>The command line could not be parsed.</summary>
    public const int Usage = 2;
    /// <summary>An input file, config or argument value is invalid (InvalidInputException).</summary>
    public const int DataError = 65;
    /// <summary>An input file or directory does not exist.</summary>
    public const int NoInput = 66;
    /// <summary>EX_IOERR: reading or writing a file failed (I/O or permission error, no space):
    /// on a trainer, the node's fault rather than the trial's.</summary>
    public const int IoError = 74;
    /// <summary>EX_UNAVAILABLE: the cluster did not answer the console.</summary>
    public const int Unavailable = 69;
    /// <summary>EX_NOPERM: the cluster refused the console command (wrong token).</summary>
    public const int Refused = 77;
    /// <summary>Interrupted by Ctrl+C / SIGINT.</summary>
    public const int Interrupted = 130;
}
