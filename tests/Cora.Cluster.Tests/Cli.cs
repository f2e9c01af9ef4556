using Cora.Cluster;

namespace Cora.Cluster.Tests;

/// <summary>Runs `cora` in-process with real argument strings and captures what it prints.</summary>
public static class Cli
{
    public sealed record Run(int ExitCode, string Stdout, string Stderr);

    public static Run Invoke(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = CoraCli.Run(args, stdout, stderr);
        return new Run(code, stdout.ToString(), stderr.ToString());
    }
}
