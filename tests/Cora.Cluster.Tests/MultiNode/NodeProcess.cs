using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// A real `cora` process on 127.0.0.1 — a cluster node or a console command — with its own
/// environment (the token), its output collected, and the signals an operator would send.
/// </summary>
public sealed partial class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public string Contact => $"127.0.0.1:{Port}";
    public string Address => $"{(Tls ? "akka.ssl.tcp" : "akka.tcp")}://cora@127.0.0.1:{Port}";

    /// <summary>Started with certificates (mutual TLS) rather than --insecure.</summary>
    public bool Tls { get; private init; }
    public bool HasExited => _process.HasExited;

    /// <summary>Whether the node has said it is Up in a cluster.</summary>
    public bool IsUp => _up.Task.IsCompleted;

    /// <summary>Waits for the process to end by itself and returns its exit code.</summary>
    public async Task<int> ExitAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return _process.ExitCode;
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Starts <c>cora node --config CONFIG --port (free) ARGS…</c> with CORA_TOKEN set;
    /// with <c>--insecure</c> (plain TCP on loopback) unless ARGS give <c>--certs-dir</c>.</summary>
    public static NodeProcess StartNode(string config, string token, params string[] args) => StartNode(config, token, new Dictionary<string, string>(), args);

    /// <summary>As above, with more environment variables for the node.</summary>
    public static NodeProcess StartNode(string config, string token, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartNodeOn(FreePort(), config, token, environment, args);

    /// <summary>As above, on a given port: a node whose address its seeds must know before it
    /// starts (a seed itself), or a node started again where it was.</summary>
    public static NodeProcess StartNodeOn(int port, string config, string token, IReadOnlyDictionary<string, string> environment, params string[] args) =>
        StartNodeIn([], port, config, token, environment, args);

    /// <summary>As above, started through <paramref name="wrapper"/> (a command that execs its
    /// arguments, e.g. <c>unshare --mount … sh -c '…; exec "$@"' sh</c>): the node is the wrapper's process.</summary>
    public static NodeProcess StartNodeIn(IReadOnlyList<string> wrapper, int port, string config, string token, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        string[] tls = args.Contains("--certs-dir") ? [] : ["--insecure"];
        return Launch(token, ["node", "--config", config, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. tls, .. args], port, environment, wrapper);
    }

    /// <summary>The node's process id (for nsenter, signals).</summary>
    public int Pid => _process.Id;

    /// <summary>Runs a `cora` command to completion (a console command) and returns exit code and output.</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string token, params string[] args) =>
        RunWithInputAsync(token, "", args);

    /// <summary>As <see cref="RunAsync"/>, with <paramref name="input"/> on its standard input.</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(string token, string input, params string[] args)
    {
        var start = Info(token, args);
        start.RedirectStandardInput = true;
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteAsync(input);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await stdout, await stderr);
    }

    private static NodeProcess Launch(string token, IReadOnlyList<string> args, int port, IReadOnlyDictionary<string, string> environment,
        IReadOnlyList<string>? wrapper = null)
    {
        var start = Info(token, args);
        if (wrapper is { Count: > 0 })
        {
            var command = new List<string>(wrapper.Skip(1)) { start.FileName };
            command.AddRange(start.ArgumentList);
            start.FileName = wrapper[0];
            start.ArgumentList.Clear();
            foreach (var argument in command) start.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeProcess(process, port) { Tls = args.Contains("--certs-dir") };
        void Line(string? line)
        {
            if (line is null) return;
            lock (node._output) node._output.AppendLine(line);
            if (line.Contains(" is up", StringComparison.Ordinal)) node._up.TrySetResult();
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private static ProcessStartInfo Info(string token, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cora.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["CORA_TOKEN"] = token;
        start.Environment.Remove("CORA_DB");
        start.Environment.Remove("CORA_CERTS_DIR");
        start.Environment.Remove("CORA_TLS_PASSWORD");
        return start;
    }

    /// <summary>Waits until the node says it is Up in the cluster; fails with its output if it exits first.</summary>
    public async Task WaitUpAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_up.Task, exited, Task.Delay(TimeSpan.FromMinutes(2)));
        Assert.True(first == _up.Task, $"node on port {Port} did not come up:\n{Output}");
    }

    /// <summary>Polls the node's output until it contains <paramref name="text"/>; fails with the
    /// output if the node exits first or the deadline passes.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.False(HasExited, $"node on port {Port} exited before it printed \"{text}\":\n{Output}");
            Assert.True(DateTime.UtcNow < until, $"node on port {Port} did not print \"{text}\" within {deadline.TotalSeconds} s:\n{Output}");
            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILL: the node gets no chance to leave or clean up.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>SIGTERM: the node leaves the cluster gracefully and exits.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited) return;
        Assert.Equal(0, SendSignal(_process.Id, 15));
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
    }

    /// <summary>SIGSTOP: the node freezes (as a node stuck in swap or a long pause does); its
    /// child processes go on.</summary>
    public void Freeze() => Assert.Equal(0, SendSignal(_process.Id, 19));

    /// <summary>SIGCONT after <see cref="Freeze"/>.</summary>
    public void Thaw() => Assert.Equal(0, SendSignal(_process.Id, 18));

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }

    public static int FreePort() => FreePorts(1)[0];

    /// <summary><paramref name="count"/> distinct free ports (held open together while chosen).</summary>
    public static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToList();
        try
        {
            foreach (var listener in listeners) listener.Start();
            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners) listener.Dispose();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);
}
