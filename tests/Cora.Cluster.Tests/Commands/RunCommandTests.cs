using System.Diagnostics;
using System.Text.Json;
using Cora.Actors.Grids;
using Cora.Cluster.Commands;
using Microsoft.Data.Sqlite;

namespace Cora.Cluster.Tests.Commands;

/// <summary>
/// `cora run` on the shipped smoke grid (its zoo line pointed at the test's micro zoo): the whole
/// grid end to end, a rerun that runs nothing again, and a real `cora run` process killed with
/// SIGKILL mid-sweep whose rerun completes every trial exactly once.
/// </summary>
[Collection(MicroZooGroup.Name)]
public sealed class RunCommandTests(MicroZoo zoo) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Artifacts => _temp.File("artifacts");

    private string Journal => Path.Combine(Artifacts, "cora.db");

    private string SmokeGrid() => zoo.SmokeGrid(_temp.File("smoke.conf"));

    private static List<string> PlannedTrialIds(string grid) =>
        SweepPlanner.Plan(GridReader.Read(grid), new ContentHashes(null)).Trials.Select(t => t.TrialId).ToList();

    /// <summary>The trial ids of every event with this manifest, in journal order.</summary>
    private List<string> JournaledTrialIds(string manifest)
    {
        using var connection = new SqliteConnection($"Data Source={Journal};Pooling=False");
        connection.Open();
        using var exists = connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'event_journal'";
        if ((long)exists.ExecuteScalar()! == 0) return [];   // the journal creates its tables on first use
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT payload FROM event_journal WHERE manifest = $manifest ORDER BY ordering";
        query.Parameters.AddWithValue("$manifest", manifest);
        using var reader = query.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
            ids.Add(JsonDocument.Parse((byte[])reader[0]).RootElement.GetProperty("trial_id").GetString()!);
        return ids;
    }

    private JsonElement[] Results() => JsonDocument.Parse(File.ReadAllText(Path.Combine(Artifacts, "results.json"))).RootElement.EnumerateArray().ToArray();

    [Fact]
    public void The_smoke_grid_runs_end_to_end_and_a_rerun_runs_nothing_again()
    {
        var grid = SmokeGrid();
        var run = Cli.Invoke("run", grid, "--artifacts", Artifacts, "--parallel", "2");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);

        var planned = PlannedTrialIds(grid);
        var results = Results();
        Assert.Equal(planned, results.Select(r => r.GetProperty("trial_id").GetString()));
        Assert.All(results, r => Assert.Equal("succeeded", r.GetProperty("status").GetString()));
        foreach (var key in new[] { "rouge1", "rouge2", "rougeL", "rougeLsum_stem", "meteor", "bleu", "bleu_precisions", "sys_len", "n_pairs", "eval_loss", "bertscore_f1", "bertscore_comparable" })
            Assert.All(results, r => Assert.True(r.TryGetProperty(key, out _), $"results.json lacks {key}"));
        Assert.Equal(["lora", "cora-fb", "cora-fb", "cora-tb", "cora-tb", "zeros-fb"], results.Select(r => r.GetProperty("method").GetString()));
        Assert.Equal([0, 2, 5, 2, 5, 0], results.Select(r => r.GetProperty("sources").GetInt32()));
        // zeros-fb: B = 0 and frozen, so the model cannot change: eval loss stays where it was.
        var zeros = results.Single(r => r.GetProperty("method").GetString() == "zeros-fb");
        Assert.Equal(zeros.GetProperty("eval_loss_base").GetDouble(), zeros.GetProperty("eval_loss").GetDouble(), 6);
        // LoRA starts at the base (B = 0); CoRA's Kaiming A₀ moves the start by s·B·A₀.
        var lora = results.Single(r => r.GetProperty("method").GetString() == "lora");
        Assert.Equal(lora.GetProperty("eval_loss_base").GetDouble(), lora.GetProperty("eval_loss_init").GetDouble(), 6);
        Assert.Equal(0.0, lora.GetProperty("init_delta_ratio").GetDouble());
        Assert.All(results.Where(r => r.GetProperty("method").GetString()!.StartsWith("cora", StringComparison.Ordinal)),
            r => Assert.True(r.GetProperty("init_delta_ratio").GetDouble() > 0, r.ToString()));
        Assert.Contains("ROUGE-1", run.Stdout);
        Assert.Contains("6 of 6 trials succeeded", run.Stdout);
        Assert.Contains("not comparable with published BERTScore", run.Stdout);
        Assert.All(results, r => Assert.False(r.GetProperty("bertscore_comparable").GetBoolean()));
        Assert.Equal(7, File.ReadAllLines(Path.Combine(Artifacts, "results.csv")).Length);
        Assert.Equal(2, Directory.GetFiles(Path.Combine(Artifacts, "bases"), "*.safetensors").Length);

        var assigned = JournaledTrialIds("trial-assigned").Count;
        var again = Cli.Invoke("run", grid, "--artifacts", Artifacts);
        Assert.True(again.ExitCode == ExitCodes.Ok, again.Stderr);
        Assert.Contains("is known: 6 succeeded", again.Stderr);
        Assert.Equal(assigned, JournaledTrialIds("trial-assigned").Count);
        Assert.Equal(planned.Order(), JournaledTrialIds("trial-succeeded").Order());
    }

    [Fact]
    public async Task A_run_is_a_one_node_cluster_that_a_console_and_a_browser_attach_to()
    {
        var grid = SmokeGrid();
        var httpPort = MultiNode.NodeProcess.FreePorts(1)[0];
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "cora.dll"), "run", grid, "--artifacts", Artifacts, "--parallel", "1", "--http-port", httpPort.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        start.Environment["CORA_TOKEN"] = "run-attach-token";
        var stderr = new System.Collections.Concurrent.ConcurrentQueue<string>();
        using var cora = Process.Start(start)!;
        cora.ErrorDataReceived += (_, e) => { if (e.Data is not null) stderr.Enqueue(e.Data); };
        cora.BeginErrorReadLine();
        cora.BeginOutputReadLine();
        try
        {
            var deadline = Stopwatch.StartNew();
            string? line;
            while ((line = stderr.FirstOrDefault(l => l.StartsWith("one-node cluster at ", StringComparison.Ordinal))) is null)
            {
                Assert.False(cora.HasExited, string.Join('\n', stderr));
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), string.Join('\n', stderr));
                await Task.Delay(100);
            }
            var contact = line["one-node cluster at ".Length..line.IndexOf(':', "one-node cluster at ".Length + 10)];
            Assert.Matches(@"^127\.0\.0\.1:\d+$", contact);
            Assert.Contains("(CORA_TOKEN as set)", line);

            // A console attaches as to any cluster: one member, both roles, and the run's sweep.
            var config = _temp.File("console.conf");
            File.WriteAllText(config, "cora.console.token = \"run-attach-token\"\n");
            await using var console = Hosting.ConsoleClient.Connect([contact], config, insecure: true);
            var view = await console.Ask<Actors.Control.ClusterView>(new Actors.Control.ConsoleCommand.ClusterShow(), CancellationToken.None);
            var member = Assert.Single(view.Members);
            Assert.Equal(["coordinator", "trainer"], member.Roles);
            Assert.Equal("Up", member.Status);
            var planned = SweepPlanner.Plan(GridReader.Read(grid), new ContentHashes(null));
            Actors.Coordinator.SweepList? sweeps = null;
            while (sweeps?.Sweeps.Any(s => s.SweepId == planned.SweepId) != true)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), "the run's sweep never showed in sweep list");
                sweeps = await console.Ask<Actors.Coordinator.SweepList>(new Actors.Control.ConsoleCommand.SweepList(), CancellationToken.None);
            }
            Assert.Equal(planned.Trials.Count, sweeps.Sweeps.Single(s => s.SweepId == planned.SweepId).Counts.Total);

            // And a browser or a probe at --http-port.
            Assert.Contains(stderr, l => l.Contains($"at http://127.0.0.1:{httpPort}/", StringComparison.Ordinal));
            using var http = new HttpClient();
            System.Net.HttpStatusCode ready;
            while ((ready = (await http.GetAsync($"http://127.0.0.1:{httpPort}/readyz")).StatusCode) != System.Net.HttpStatusCode.OK)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(2), $"/readyz answered {ready}");
                await Task.Delay(200);
            }
        }
        finally
        {
            if (!cora.HasExited) cora.Kill(entireProcessTree: true);
            await cora.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task A_run_killed_mid_sweep_continues_and_records_every_trial_exactly_once()
    {
        var grid = SmokeGrid();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "cora.dll"), "run", grid, "--artifacts", Artifacts, "--parallel", "1" })
            start.ArgumentList.Add(arg);
        using (var cora = Process.Start(start)!)
        {
            cora.BeginErrorReadLine();
            cora.BeginOutputReadLine();
            // Kill once two trials are journaled as succeeded and the third is running.
            var deadline = Stopwatch.StartNew();
            while (!(File.Exists(Journal) && JournaledTrialIds("trial-succeeded").Count >= 2 && JournaledTrialIds("trial-assigned").Count >= 3))
            {
                Assert.False(cora.HasExited, "cora run ended before it could be killed");
                Assert.True(deadline.Elapsed < TimeSpan.FromMinutes(3), "no trial finished within 3 minutes");
                await Task.Delay(100);
            }
            cora.Kill();   // SIGKILL: no chance to clean up
            await cora.WaitForExitAsync();
        }
        // Its trial process notices the parent is gone and ends itself.
        var orphanDeadline = Stopwatch.StartNew();
        while (TrialProcessesUnder(Artifacts).Count > 0)
        {
            Assert.True(orphanDeadline.Elapsed < TimeSpan.FromSeconds(20), "a trial process outlived its killed parent");
            await Task.Delay(100);
        }
        var doneBefore = JournaledTrialIds("trial-succeeded");

        var resumed = Cli.Invoke("run", grid, "--artifacts", Artifacts, "--parallel", "2");
        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.Stderr);
        Assert.Contains($"is known: {doneBefore.Count} succeeded", resumed.Stderr);

        var planned = PlannedTrialIds(grid);
        var succeeded = JournaledTrialIds("trial-succeeded");
        Assert.Equal(planned.Order(), succeeded.Order());   // every trial, each exactly once
        Assert.Equal(doneBefore, succeeded.Take(doneBefore.Count));   // nothing finished was redone
        Assert.Empty(JournaledTrialIds("duplicate-result-dropped"));
        var requeued = JournaledTrialIds("trial-requeued");
        Assert.NotEmpty(requeued);   // the attempt that was running when the process died
        Assert.All(Results(), r => Assert.Equal("succeeded", r.GetProperty("status").GetString()));
    }

    /// <summary>Live `trial exec` processes whose command line mentions <paramref name="artifacts"/>.</summary>
    private static List<int> TrialProcessesUnder(string artifacts)
    {
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var state = File.ReadAllText(Path.Combine(dir, "stat")).Split(' ')[2];
                if (cmdline.Contains("trial exec", StringComparison.Ordinal) && cmdline.Contains(artifacts, StringComparison.Ordinal) && state != "Z")
                    found.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }
        return found;
    }
}
