using System.Diagnostics;

namespace Cora.Cluster.Tests.Deploy;

/// <summary>
/// <c>systemd-analyze verify</c> on copies of unit files. The executable of the copies'
/// <c>ExecStart</c> and <c>ExecStartPost</c> is swapped for one that exists here (verify refuses a
/// unit whose command is missing, and <c>/opt/cora/cora</c> is not installed on a build machine);
/// everything else is verified as written.
/// </summary>
public static class SystemdAnalyze
{
    /// <summary>The tool, or null where it is not installed (./test.sh installs it as root).</summary>
    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/bin")
            .Select(dir => System.IO.Path.Combine(dir, "systemd-analyze"))
            .FirstOrDefault(File.Exists);

    /// <summary>What verify said about the units: one entry per line that names one of them
    /// (verify reports unknown keys and bad values as warnings and still exits 0, so its output
    /// is the verdict), plus its exit code when that is not 0. Empty: the units are valid.</summary>
    public static IReadOnlyList<string> Verify(string tool, IEnumerable<string> unitFiles, string executable)
    {
        var dir = Directory.CreateTempSubdirectory("cora-units-").FullName;
        try
        {
            var copies = new List<string>();
            foreach (var unit in unitFiles)
            {
                var copy = System.IO.Path.Combine(dir, System.IO.Path.GetFileName(unit));
                var lines = File.ReadAllLines(unit).Select(line => SwapExecutable(line, executable));
                File.WriteAllLines(copy, lines);
                copies.Add(copy);
            }
            var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("verify");
            start.ArgumentList.Add("--man=no");
            foreach (var copy in copies) start.ArgumentList.Add(copy);
            // Verify checks the units against the running system's unit search path; SYSTEMD_LOG_COLOR
            // off keeps escape codes out of the messages.
            start.Environment["SYSTEMD_LOG_COLOR"] = "0";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
            {
                process.Kill();
                return ["systemd-analyze verify did not finish within a minute"];
            }
            var names = copies.Select(System.IO.Path.GetFileName).Append(dir).ToList();
            var findings = (stdout.Result + "\n" + stderr.Result)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(line => names.Any(name => line.Contains(name!, StringComparison.Ordinal)))
                .ToList();
            if (process.ExitCode != 0) findings.Add($"systemd-analyze verify exited {process.ExitCode}: {stderr.Result.Trim()}");
            return findings;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>ExecStart=, ExecStartPost=, …: the command's executable swapped, its prefix
    /// (<c>-</c> to ignore a failure, …) kept.</summary>
    private static string SwapExecutable(string line, string executable)
    {
        var equals = line.IndexOf('=', StringComparison.Ordinal);
        if (!line.StartsWith("Exec", StringComparison.Ordinal) || equals < 0) return line;
        var command = line[(equals + 1)..];
        var prefix = command[..(command.Length - command.TrimStart('-', '+', '!', '@', ':').Length)];
        var end = command.IndexOf(' ', StringComparison.Ordinal);
        return line[..(equals + 1)] + prefix + executable + (end < 0 ? "" : command[end..]);
    }
}
