namespace Cora.Cluster.Hosting;

/// <summary>How to start this same `cora` as a child process (for trial attempts).</summary>
public static class CoraExecutable
{
    /// <summary>
    /// <c>dotnet exec …/cora.dll</c>, with the dll found beside this assembly — right for the
    /// launcher script, a published build and the test host alike. The dotnet host is the one
    /// running now (or DOTNET_HOST_PATH, set by the SDK for test runs), else <c>dotnet</c> on PATH.
    /// </summary>
    public static IReadOnlyList<string> Command()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "cora.dll");
        var current = Environment.ProcessPath;
        var host = current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet"
            ? current
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return [host, "exec", dll];
    }
}
