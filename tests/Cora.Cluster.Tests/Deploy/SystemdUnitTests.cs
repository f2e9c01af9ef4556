using System.Text.RegularExpressions;
using Cora.Cluster.Commands;
using Cora.Cluster.Tests.MultiNode;

namespace Cora.Cluster.Tests.Deploy;

/// <summary>deploy/systemd: the units pass <c>systemd-analyze verify</c>, and what they say agrees
/// with itself (the artifact path is writable and mounted, every variable is in the example
/// environment file, trainers keep their GPUs).</summary>
public sealed partial class SystemdUnitTests
{
    private static readonly string[] UnitNames = ["cora-coordinator.service", "cora-trainer.service"];

    public static TheoryData<string> Units => [.. UnitNames];

    private static SystemdUnit Load(string name) => SystemdUnit.Load(DeployFiles.Deploy("systemd", name));

    private static string Tool() =>
        SystemdAnalyze.Find()
        ?? throw new InvalidOperationException(
            "systemd-analyze is not installed: ./test.sh installs the Debian package `systemd` when run as root; " +
            "elsewhere run `apt-get install systemd`. These tests fail rather than skip without it.");

    [Fact]
    public void Both_units_pass_systemd_analyze_verify()
    {
        var findings = SystemdAnalyze.Verify(Tool(), [.. UnitNames.Select(u => DeployFiles.Deploy("systemd", u))], "/bin/sh");
        Assert.True(findings.Count == 0, string.Join('\n', findings));
    }

    [Fact]
    public void Verify_reports_an_unknown_key_and_a_bad_value()
    {
        // The check above is only as good as this: verify's warnings (exit code 0) must count.
        using var temp = new TempDirectory();
        var broken = temp.File("cora-broken.service");
        File.WriteAllText(broken, "[Service]\nExecStart=/opt/cora/cora node\nKillMod=mixed\nRestart=sometimes\n");
        var findings = SystemdAnalyze.Verify(Tool(), [broken], "/bin/sh");
        Assert.Contains(findings, f => f.Contains("KillMod", StringComparison.Ordinal));
        Assert.Contains(findings, f => f.Contains("sometimes", StringComparison.Ordinal));
    }

    /// <summary>What both units must say: (section, key, value).</summary>
    private static readonly (string Section, string Key, string Value)[] Required =
    [
        ("Service", "User", "cora"),
        ("Service", "Restart", "on-failure"),
        // mixed: SIGTERM to the node, then SIGKILL to the whole cgroup (trial processes too).
        ("Service", "KillMode", "mixed"),
        ("Service", "EnvironmentFile", "/etc/cora/cora.env"),
        ("Service", "NoNewPrivileges", "yes"),
        ("Service", "ProtectSystem", "strict"),
        ("Service", "PrivateTmp", "yes"),
        ("Install", "WantedBy", "multi-user.target"),
    ];

    [Theory]
    [MemberData(nameof(Units))]
    public void Unit_runs_as_cora_hardened_restarts_on_failure_and_stops_its_trial_processes(string name)
    {
        var unit = Load(name);
        foreach (var (section, key, value) in Required)
            Assert.True(unit.Get(section, key) == value, $"{name}: [{section}] {key} must be {value}, is {unit.Get(section, key) ?? "unset"}");
        Assert.Matches(@"^\d+s?$", unit.Get("Service", "TimeoutStopSec") ?? "");
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void Unit_can_write_only_its_state_and_the_mounted_artifact_store(string name)
    {
        var unit = Load(name);
        var artifacts = Assert.Single(DeployFiles.ValuesOf(ExecStart(unit), "--artifacts"));
        Assert.Contains(artifacts, unit.Words("Service", "ReadWritePaths"));
        // A shared filesystem: never start on the bare mount point.
        Assert.Contains(artifacts, unit.Words("Unit", "RequiresMountsFor"));
        // The working directory is the state directory systemd creates (and makes writable).
        Assert.Equal("/var/lib/" + unit.Get("Service", "StateDirectory"), unit.Get("Service", "WorkingDirectory"));
    }

    [Theory]
    [InlineData("cora-coordinator.service", "coordinator")]
    [InlineData("cora-trainer.service", "trainer")]
    public void ExecStart_runs_the_installed_node_with_its_role_and_the_installed_config(string name, string role)
    {
        var args = ExecStart(Load(name));
        Assert.Equal(["/opt/cora/cora", "node"], args.Take(2));
        Assert.Equal(["/etc/cora/node.conf"], DeployFiles.ValuesOf(args, "--config"));
        Assert.Contains(role, DeployFiles.ValuesOf(args, "--role"));
        Assert.Equal(["4053"], DeployFiles.ValuesOf(args, "--port"));
        // Secrets come from the environment, never the command line (`ps` shows it to everyone).
        Assert.DoesNotContain("--db", args);
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void Every_variable_the_unit_uses_is_in_the_example_environment_file(string name)
    {
        var defined = ExampleEnvironment().Keys;
        var unit = Load(name);
        var used = Variable().Matches(unit.Get("Service", "ExecStart")! + " " + unit.Get("Service", "ExecStartPost")).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(used);
        Assert.All(used, v => Assert.Contains(v, defined));
        Assert.Contains("CORA_TOKEN", defined);
        Assert.Contains("CORA_DB", defined);
    }

    [Theory]
    [MemberData(nameof(Units))]
    public void Unit_counts_as_started_once_the_node_answers_readyz_on_its_http_port_waiting_a_bounded_time(string name)
    {
        var unit = Load(name);
        var post = Words(unit.Get("Service", "ExecStartPost") ?? "");
        // "-": a node that is not ready in time is started all the same; it is not killed for it.
        Assert.Equal(["-/opt/cora/cora", "health"], post.Take(2));
        Assert.Equal(DeployFiles.ValuesOf(ExecStart(unit), "--http-port"), DeployFiles.ValuesOf(post, "--http-port"));
        Assert.Single(DeployFiles.ValuesOf(post, "--http-port"));
        var wait = TimeSpan.FromSeconds(int.Parse(Assert.Single(DeployFiles.ValuesOf(post, "--wait"))));
        Assert.True(TimeSpan.FromSeconds(int.Parse(unit.Get("Service", "TimeoutStartSec")!.TrimEnd('s'))) > wait,
            $"{name}: TimeoutStartSec must leave cora health its --wait, so its answer reaches the journal");
        Assert.Equal("exec", unit.Get("Service", "Type"));
    }

    [Fact]
    public void A_coordinator_and_a_trainer_on_one_host_serve_their_health_checks_on_different_ports()
    {
        var environment = ExampleEnvironment();
        string Port(string unit) => Variable().Replace(Assert.Single(DeployFiles.ValuesOf(ExecStart(Load(unit)), "--http-port")), m => environment[m.Groups[1].Value]);
        Assert.NotEqual(Port("cora-coordinator.service"), Port("cora-trainer.service"));
    }

    [Fact]
    public async Task The_units_health_command_line_is_one_cora_understands()
    {
        // The trainer's ExecStartPost with the example environment file's values, run against a
        // port nowhere listened on and without the wait: "not ready" (69), not a usage error (2).
        var environment = ExampleEnvironment();
        var post = Words(Variable().Replace(Load("cora-trainer.service").Get("Service", "ExecStartPost")!, m => environment[m.Groups[1].Value]));
        Assert.Equal("8081", Assert.Single(DeployFiles.ValuesOf(post, "--http-port")));
        var args = post.Skip(1).ToArray();   // after the executable
        for (var i = 1; i < args.Length; i++)
        {
            if (args[i - 1] == "--http-port") args[i] = NodeProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (args[i - 1] == "--wait") args[i] = "0";
        }
        var (code, _, stderr) = await NodeProcess.RunAsync("token", args);
        Assert.True(code == ExitCodes.Unavailable, $"cora {string.Join(' ', args)} exited {code}: {stderr}");
        Assert.Contains("/readyz is not ready: no answer", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Trainer_keeps_the_gpu_devices_and_the_coordinator_does_not_need_them()
    {
        var trainer = Load("cora-trainer.service");
        Assert.NotEqual("yes", trainer.Get("Service", "PrivateDevices"));
        // A closed device policy is fine only with the NVIDIA devices allowed.
        if (trainer.Get("Service", "DevicePolicy") is "closed" or "strict")
            Assert.Contains(trainer.All("Service", "DeviceAllow"), d => d.Contains("nvidia", StringComparison.Ordinal));
        Assert.Contains("video", trainer.Words("Service", "SupplementaryGroups"));
        Assert.Equal("yes", Load("cora-coordinator.service").Get("Service", "PrivateDevices"));
    }

    /// <summary>The example environment file's variables and their values.</summary>
    private static Dictionary<string, string> ExampleEnvironment() =>
        File.ReadAllLines(DeployFiles.Deploy("systemd", "cora.env.example"))
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && line[0] != '#')
            .ToDictionary(line => line[..line.IndexOf('=', StringComparison.Ordinal)], line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"'));

    /// <summary>ExecStart split into words (the units use no quoting).</summary>
    private static List<string> ExecStart(SystemdUnit unit) => Words(unit.Get("Service", "ExecStart")!);

    private static List<string> Words(string command) => [.. command.Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    [GeneratedRegex(@"\$\{?([A-Z_][A-Z0-9_]*)\}?")]
    private static partial Regex Variable();
}
