using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Cora.Tests;

/// <summary>
/// A real PostgreSQL server for tests, started from the machine's PostgreSQL binaries
/// (<c>/usr/lib/postgresql/&lt;newest&gt;/bin</c>, else <c>initdb</c> on PATH; <c>./test.sh</c>
/// installs them when missing). It lives in a temp directory of its own (data directory, log and
/// unix socket), listens on a free TCP port on 127.0.0.1 only, trusts local connections and runs
/// with fsync off: fast, survives a killed server but not a crashed machine, and so is for tests
/// only.
/// </summary>
/// <remarks>
/// <c>initdb</c> and <c>pg_ctl</c> refuse to run as root, so as root the directory is handed to
/// the <c>postgres</c> user and both run as that user. Readiness is <c>pg_ctl -w</c>, which polls
/// until the server accepts connections. The port and data directory stay the same across
/// <see cref="Stop"/>/<see cref="Kill"/> and <see cref="Start"/>, so connection strings handed out
/// keep working after a restart. <see cref="Dispose"/> stops the server and deletes everything.
/// </remarks>
public sealed class PostgresServer : IDisposable
{
    private const string SystemUser = "postgres";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(90);
    private readonly string _bin;
    private readonly bool _asRoot = Environment.UserName == "root";
    private int _databases;

    public PostgresServer()
    {
        _bin = FindBinaries();
        Root = Directory.CreateTempSubdirectory("cora-postgres-").FullName;
        try
        {
            Port = FreePort();
            if (_asRoot) Exec("chown", ["-R", $"{SystemUser}:", Root], $"chown {Root} to the {SystemUser} user");
            PgTool("initdb", ["-D", DataDirectory, "-U", SystemUser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
            // Appended to the generated postgresql.conf, so a restart uses the same settings.
            // fsync and full-page writes off only risk data when the machine crashes; a killed
            // server still recovers every commit from its WAL. synchronous_commit stays on: off,
            // a kill loses commits already acknowledged, and crash tests must not see that.
            File.AppendAllText(Path.Combine(DataDirectory, "postgresql.conf"), $"""

                # Cora test server
                port = {Port}
                listen_addresses = '127.0.0.1'
                unix_socket_directories = '{Root}'
                fsync = off
                full_page_writes = off
                max_connections = 200

                """);
            Start();
        }
        catch
        {
            Directory.Delete(Root, recursive: true);
            throw;
        }
    }

    /// <summary>The temp directory that holds the data directory, the log and the socket.</summary>
    public string Root { get; }

    public string DataDirectory => Path.Combine(Root, "data");

    public string LogFile => Path.Combine(Root, "server.log");

    /// <summary>The TCP port on 127.0.0.1, the same for the server's whole life.</summary>
    public int Port { get; }

    public bool Running { get; private set; }

    /// <summary>A connection string to <paramref name="database"/> as the <c>postgres</c> superuser.</summary>
    public string ConnectionString(string database = "postgres") => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = SystemUser,
        Database = database,
    }.ConnectionString;

    /// <summary>Creates a new, empty database and returns its connection string
    /// (<c>Host=127.0.0.1;Port=…;Username=postgres;Database=…</c>).</summary>
    public string CreateDatabase()
    {
        var name = $"cora_{Interlocked.Increment(ref _databases)}";
        // No pooling: an idle admin connection must not outlive this call.
        using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false");
        connection.Open();
        using var create = connection.CreateCommand();
        create.CommandText = $"CREATE DATABASE \"{name}\"";
        create.ExecuteNonQuery();
        return ConnectionString(name);
    }

    /// <summary>Starts the server on its data directory (again, after <see cref="Stop"/> or
    /// <see cref="Kill"/>) and returns once it accepts connections.</summary>
    public void Start()
    {
        if (Running) return;
        try
        {
            PgTool("pg_ctl", ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60"]);
        }
        catch (InvalidOperationException failed)
        {
            throw new InvalidOperationException($"{failed.Message}\n--- {LogFile} ---\n{Tail(LogFile)}", failed);
        }
        Running = true;
    }

    /// <summary>A clean shutdown: open connections are ended, everything is flushed.</summary>
    public void Stop() => Shutdown("fast");

    /// <summary>A crash: every server process is aborted at once, and the next <see cref="Start"/>
    /// goes through crash recovery.</summary>
    public void Kill() => Shutdown("immediate");

    private void Shutdown(string mode)
    {
        if (!Running) return;
        PgTool("pg_ctl", ["stop", "-D", DataDirectory, "-m", mode, "-w", "-t", "60"]);
        Running = false;
    }

    public void Dispose()
    {
        try
        {
            Kill();   // the data is thrown away, so no need for a clean shutdown
        }
        finally
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    /// <summary>Runs a PostgreSQL program, as the postgres user when we are root.</summary>
    private void PgTool(string program, string[] arguments)
    {
        var path = Path.Combine(_bin, program);
        var what = $"{program} {string.Join(' ', arguments)}";
        if (!_asRoot)
        {
            Exec(path, arguments, what);
        }
        else if (File.Exists("/usr/sbin/runuser") || File.Exists("/sbin/runuser"))
        {
            Exec("runuser", ["-u", SystemUser, "--", path, .. arguments], what);
        }
        else
        {
            var command = string.Join(' ', new[] { path }.Concat(arguments).Select(a => $"'{a.Replace("'", "'\\''", StringComparison.Ordinal)}'"));
            Exec("su", [SystemUser, "-s", "/bin/sh", "-c", command], what);
        }
    }

    /// <summary>Runs a program to its end; a non-zero exit throws with everything it printed.</summary>
    private static void Exec(string program, IEnumerable<string> arguments, string what)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {program} ({what})");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{what} did not finish within {CommandTimeout.TotalSeconds} s");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{what} failed with exit code {process.ExitCode}:\n{stdout.Result}{stderr.Result}");
        }
    }

    /// <summary>The bin directory of the newest PostgreSQL under /usr/lib/postgresql, else the
    /// directory of the <c>initdb</c> found on PATH (links resolved).</summary>
    private static string FindBinaries()
    {
        const string debian = "/usr/lib/postgresql";
        var installed = Directory.Exists(debian)
            ? Directory.GetDirectories(debian)
                .Select(d => (Version: int.TryParse(Path.GetFileName(d), out var v) ? v : -1, Bin: Path.Combine(d, "bin")))
                .Where(d => File.Exists(Path.Combine(d.Bin, "initdb")) && File.Exists(Path.Combine(d.Bin, "pg_ctl")))
                .OrderByDescending(d => d.Version)
                .Select(d => d.Bin)
                .FirstOrDefault()
            : null;
        if (installed is not null) return installed;
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "initdb"))
            .FirstOrDefault(File.Exists);
        if (onPath is not null)
        {
            var target = new FileInfo(onPath).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? onPath;
            var bin = Path.GetDirectoryName(target)!;
            if (File.Exists(Path.Combine(bin, "pg_ctl"))) return bin;
        }
        throw new InvalidOperationException(
            $"PostgreSQL server binaries (initdb, pg_ctl) not found in {debian}/*/bin or on PATH. " +
            "./test.sh installs them when missing (apt-get install postgresql); run it, or install " +
            "Debian's postgresql package, to run the PostgreSQL tests.");
    }

    /// <summary>A TCP port on 127.0.0.1 that nothing listens on now.</summary>
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Tail(string path) =>
        File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(30)) : "(no log)";
}
