using System.Text.Json;
using Cora.Cluster.Commands;
using Cora.Tests;
using Xunit.Abstractions;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// Multi-process clusters on 127.0.0.1 with the journal in a real PostgreSQL (started by the test
/// fixture): the smoke grid submitted from the console, a trainer and a coordinator killed with
/// SIGKILL mid-sweep, the whole cluster stopped and started again, a wrong token, a corrupt
/// checkpoint. Every run checks the journal: each planned trial succeeded exactly once.
/// </summary>
[Collection(MicroZooGroup.Name)]
public sealed class ClusterTests : ClusterTestKit
{
    private readonly MicroZoo _zoo;
    private readonly TempDirectory _temp;
    private readonly ITestOutputHelper _output;

    public ClusterTests(MicroZoo zoo, PostgresServer postgres, ITestOutputHelper output) : this(zoo, postgres.CreateDatabase(), new TempDirectory(), output)
    {
    }

    private ClusterTests(MicroZoo zoo, string db, TempDirectory temp, ITestOutputHelper output) : base(db, temp)
    {
        _zoo = zoo;
        _temp = temp;
        _output = output;
    }

    [Fact]
    public async Task Three_nodes_run_the_smoke_grid_submitted_from_the_console()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var (coordinator, trainers) = await StartCluster(trainers: 2);

        var view = await Console(trainers[0], "cluster", "show");
        var members = view.GetProperty("members").EnumerateArray().ToList();
        Assert.Equal(3, members.Count);
        Assert.All(members, m => Assert.Equal(("Up", true), (m.GetProperty("status").GetString(), m.GetProperty("reachable").GetBoolean())));
        var trainerMember = members.Single(m => m.GetProperty("address").GetString() == trainers[0].Address);
        Assert.Equal(["trainer"], trainerMember.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(1, trainerMember.GetProperty("gpus").GetProperty("total").GetInt32());

        var sweep = await StartSweep(coordinator, grid);
        var status = await WaitFor(coordinator, sweep, Finished);
        Assert.Equal("completed", status.GetProperty("state").GetString());

        var results = (await Console(coordinator, "sweep", "results", sweep)).EnumerateArray().ToList();
        Assert.Equal(Planned(grid), results.Select(r => r.GetProperty("trial_id").GetString()));
        Assert.All(results, r => Assert.Equal("succeeded", r.GetProperty("status").GetString()));
        Assert.All(results, r => Assert.True(r.TryGetProperty("rougeL", out _)));
        // The work was shared: trials were assigned to both trainer nodes.
        var nodes = (await Journaled("trial-assigned")).Select(e => e.GetProperty("node").GetString()).Distinct().Order();
        Assert.Equal(trainers.Select(t => t.Address).Order(), nodes);
        await AssertEveryTrialExactlyOnce(grid);

        // A report through the console: `latest` is this sweep; its trials' files are on the shared store.
        var reportDir = _temp.File("report");
        var (reportCode, reportFiles, reportLog) = await NodeProcess.RunAsync(Token, ["report", "latest", "--contact", coordinator.Contact, "--insecure", "--out", reportDir]);
        Assert.True(reportCode == ExitCodes.Ok, reportLog);
        Assert.Equal(Path.Combine(reportDir, "index.html"), reportFiles.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Contains($"sweep {sweep} (smoke, completed)", reportLog);
        Assert.Contains("| cora-tb | 4 | 5 | 1 |", File.ReadAllText(Path.Combine(reportDir, "table2.md")));
        Assert.True(File.Exists(Path.Combine(reportDir, "train-loss-alpaca.png")));

        // An operator takes a trainer out: it leaves gracefully and exits 0.
        var left = await Console(coordinator, "cluster", "leave", trainers[1].Address);
        Assert.Contains("is leaving the cluster", left.GetProperty("message").GetString());
        Assert.Equal(ExitCodes.Ok, await trainers[1].ExitAsync());
        Assert.Contains("left the cluster", trainers[1].Output);
        Assert.Contains("ran cluster-leave", coordinator.Output);   // mutating commands are logged with who and when
    }

    [Fact]
    public async Task A_trainer_killed_mid_trial_has_its_trial_requeued_and_finished_elsewhere()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var (coordinator, trainers) = await StartCluster(trainers: 2);
        var sweep = await StartSweep(coordinator, grid);
        var victim = trainers[1];
        await WaitFor(coordinator, sweep, s => s.GetProperty("running").EnumerateArray()
            .Any(r => r.GetProperty("node").GetString() == victim.Address && r.GetProperty("stage").GetString()?.StartsWith("training", StringComparison.Ordinal) == true));
        victim.Kill();
        var killedAt = DateTimeOffset.UtcNow;

        var status = await WaitFor(coordinator, sweep, Finished);
        Assert.Equal("completed", status.GetProperty("state").GetString());
        var abandoned = status.GetProperty("failures").EnumerateArray().Where(f => f.GetProperty("outcome").GetString() == "abandoned").ToList();
        Assert.NotEmpty(abandoned);
        Assert.All(abandoned, f => Assert.Contains(victim.Address, f.GetProperty("reason").GetString()));
        await AssertEveryTrialExactlyOnce(grid);

        // How long the loss cost: kill → requeue journaled → the trial assigned again elsewhere.
        var requeue = (await Journaled("trial-requeued")).First(e => e.GetProperty("reason").GetString()!.Contains(victim.Address, StringComparison.Ordinal));
        var trial = requeue.GetProperty("trial_id").GetString();
        var requeuedAt = requeue.GetProperty("at").GetDateTimeOffset();
        var reassignedAt = (await Journaled("trial-assigned")).Where(e => e.GetProperty("trial_id").GetString() == trial)
            .Select(e => e.GetProperty("at").GetDateTimeOffset()).First(at => at >= requeuedAt);
        _output.WriteLine($"node loss: requeued {(requeuedAt - killedAt).TotalSeconds:F1} s after the kill, running again elsewhere after " +
            $"{(reassignedAt - killedAt).TotalSeconds:F1} s (failure detector pause 2 s, split-brain-resolver stable-after 3 s)");
    }

    [Fact]
    public async Task A_coordinator_killed_mid_sweep_moves_to_the_other_coordinator_node_which_finishes_the_sweep()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        // Three coordinator nodes, as deploy/ runs them: the split brain resolver keeps the side
        // with most coordinators, and two of three still are most when one is killed.
        var (coordinators, _) = await StartCoordinators(NodeProcess.FreePorts(3), slots: 2);
        var (first, second) = (coordinators[0], coordinators[1]);

        var sweep = await StartSweep(first, grid);
        // A schedule added before the kill moves with the scheduler singleton (same journal).
        await Console(first, "schedule", "add", "nightly", "--cron", "0 2 * * *", "--tz", "Europe/Paris", grid);
        await WaitFor(first, sweep, s => s.GetProperty("counts").GetProperty("succeeded").GetInt32() >= 1);
        first.Kill();

        var status = await WaitFor(second, sweep, Finished);
        Assert.Equal("completed", status.GetProperty("state").GetString());
        await AssertEveryTrialExactlyOnce(grid);
        var schedule = (await Console(second, "schedule", "list")).GetProperty("schedules").EnumerateArray().Single();
        Assert.Equal(("nightly", "Europe/Paris"), (schedule.GetProperty("name").GetString(), schedule.GetProperty("time_zone").GetString()));
    }

    [Fact]
    public async Task A_killed_first_seed_started_again_with_the_same_arguments_joins_the_running_cluster()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var seeds = NodeProcess.FreePorts(3);
        var (coordinators, trainer) = await StartCoordinators(seeds, slots: 2);
        var (first, second, third) = (coordinators[0], coordinators[1], coordinators[2]);
        await WaitForMembers(second, first, second, third, trainer);

        // The first seed, which founded the cluster and hosts both singletons, dies. The others
        // (two of three coordinators) down it and the singletons move.
        first.Kill();
        await WaitForMembers(second, second, third, trainer);

        // Started again where it was, with the same arguments: it is the first seed, but another
        // seed answers, so it joins that cluster instead of founding one of its own.
        var again = NodeSeeded("coordinator", seeds, seeds[0]);
        await again.WaitUpAsync();
        Assert.Contains("Welcome from [", again.Output);
        Assert.DoesNotContain("forming a new cluster", again.Output);
        foreach (var line in again.Output.Split('\n').Where(l => l.Contains("joining through the seeds", StringComparison.Ordinal) || l.Contains("Welcome from", StringComparison.Ordinal) || l.Contains(" is up", StringComparison.Ordinal)))
            _output.WriteLine($"restarted first seed: {line.Trim()}");
        // One cluster: asked through the restarted node or another, the same four members, Up.
        await WaitForMembers(second, again, second, third, trainer);
        await WaitForMembers(again, again, second, third, trainer);

        // One sweep coordinator: a sweep submitted through the restarted node runs every trial
        // exactly once (two coordinator singletons on one journal would assign trials twice).
        var sweep = await StartSweep(again, grid);
        var status = await WaitFor(third, sweep, Finished);
        Assert.Equal("completed", status.GetProperty("state").GetString());
        await AssertEveryTrialExactlyOnce(grid);
    }

    [Fact]
    public async Task A_cluster_stopped_mid_sweep_and_started_again_continues_the_sweep()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var (coordinator, trainers) = await StartCluster(trainers: 1);
        var sweep = await StartSweep(coordinator, grid);
        await WaitFor(coordinator, sweep, s => s.GetProperty("counts").GetProperty("succeeded").GetInt32() >= 2);
        foreach (var node in trainers.Append(coordinator)) await node.StopAsync();
        var before = await JournaledSuccesses();

        var (again, _) = await StartCluster(trainers: 1);
        var status = await WaitFor(again, sweep, Finished);
        Assert.Equal("completed", status.GetProperty("state").GetString());
        var after = await JournaledSuccesses();
        Assert.Equal(before, after.Take(before.Count));   // finished trials were not redone
        await AssertEveryTrialExactlyOnce(grid);
    }

    [Fact]
    public async Task A_wrong_token_is_refused_and_a_corrupt_checkpoint_fails_only_its_trials()
    {
        var (coordinator, _) = await StartCluster(trainers: 1);
        var (code, _, stderr) = await NodeProcess.RunAsync("not-the-token", "cluster", "show", "--contact", coordinator.Contact, "--insecure");
        Assert.Equal(ExitCodes.Refused, code);
        Assert.Contains("wrong console token", stderr);
        Assert.Contains("refused: wrong token", coordinator.Output);

        // A copy of the source pool in which src-3's config no longer matches its weights.
        var pool = Directory.CreateDirectory(_temp.File("sources")).FullName;
        foreach (var source in Directory.GetDirectories(Path.Combine(_zoo.Directory, "sources")))
        {
            var copy = Directory.CreateDirectory(Path.Combine(pool, Path.GetFileName(source))).FullName;
            foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }
        var config = Path.Combine(pool, "src-3", "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"intermediate_size\": 172", "\"intermediate_size\": 200", StringComparison.Ordinal));
        var grid = _temp.File("corrupt.conf");
        File.WriteAllText(grid, File.ReadAllText(_zoo.SmokeGrid(_temp.File("smoke.conf")))
            .Replace("${grid.zoo}\"/sources/", $"\"{pool}/", StringComparison.Ordinal)
            .Replace("counts = [2, 5]", "counts = [5]", StringComparison.Ordinal)
            .Replace("methods = [lora, cora-fb, cora-tb, zeros-fb]", "methods = [lora, cora-fb]", StringComparison.Ordinal));

        var sweep = await StartSweep(coordinator, grid);
        var status = await WaitFor(coordinator, sweep, Finished);
        Assert.Equal("failed", status.GetProperty("state").GetString());
        Assert.Equal((1, 1), (status.GetProperty("counts").GetProperty("succeeded").GetInt32(), status.GetProperty("counts").GetProperty("failed").GetInt32()));
        var failure = status.GetProperty("failures").EnumerateArray().Single();
        Assert.Contains("checkpoint check failed", failure.GetProperty("reason").GetString());
        Assert.Contains(Path.Combine(pool, "src-3"), failure.GetProperty("reason").GetString());
        Assert.Equal(1, failure.GetProperty("attempt").GetInt32());   // deterministic: not retried

        // The operator looks at it, then asks for the failed trial to run again.
        var failedId = failure.GetProperty("trial_id").GetString()!;
        var detail = await Console(coordinator, "trial", "show", failedId);
        Assert.Equal(("cora-fb", "Failed"), (detail.GetProperty("plan").GetProperty("method").GetString(), detail.GetProperty("state").GetProperty("state").GetString()));
        var succeeded = (await Console(coordinator, "sweep", "results", sweep)).EnumerateArray().Single(r => r.GetProperty("status").GetString() == "succeeded");
        var log = await Console(coordinator, "trial", "logs", succeeded.GetProperty("trial_id").GetString()!);
        Assert.EndsWith(Path.Combine("attempt-1", "trial.log"), log.GetProperty("path").GetString());
        var retried = await Console(coordinator, "sweep", "retry", sweep, "--failed");
        Assert.NotEqual("failed", retried.GetProperty("state").GetString());
        await WaitFor(coordinator, sweep, s => Finished(s) && s.GetProperty("failures").GetArrayLength() == 2);
        Assert.Equal(2, (await Console(coordinator, "trial", "show", failedId)).GetProperty("state").GetProperty("attempt").GetInt32());
    }

    [Fact]
    public async Task A_trainer_whose_base_model_mount_is_missing_quarantines_itself_the_healthy_one_runs_every_trial_once_and_it_rejoins_when_the_mount_is_back()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var coordinator = Node("coordinator", null);
        await coordinator.WaitUpAsync();
        var healthy = Node("trainer", coordinator, "--slots", "1");
        // The blind trainer runs in a mount namespace of its own in which an empty directory is
        // mounted over the base model: the same paths, but the model is not there (a mount missing
        // on one machine). It re-checks itself every 2 s.
        var baseModel = Path.Combine(_zoo.Directory, "base");
        var empty = Directory.CreateDirectory(_temp.File("empty")).FullName;
        var blind = NodeProcess.StartNodeIn(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c", $"mount --bind '{empty}' '{baseModel}' && exec \"$@\"", "sh"],
            NodeProcess.FreePort(), Config, Token, new Dictionary<string, string>(),
            "--role", "trainer", "--db", Db, "--artifacts", Artifacts, "--slots", "1", "--seed", coordinator.Contact);
        Track(blind);
        await healthy.WaitUpAsync();
        await blind.WaitUpAsync();

        var sweep = await StartSweep(coordinator, grid);
        var status = await WaitFor(coordinator, sweep, Finished);
        Assert.Equal("completed", status.GetProperty("state").GetString());
        await AssertEveryTrialExactlyOnce(grid);
        // No attempt counted as the trials' failure; the blind node's were abandoned as node faults.
        Assert.Empty(await Journaled("trial-attempt-failed"));
        var faults = (await Journaled("trial-requeued")).Where(e => e.TryGetProperty("node_fault", out var f) && f.GetBoolean()).ToList();
        // Six trials, one at a time on the healthy trainer: the blind one faults three of them
        // within its first seconds (each trial then avoids it), and stops.
        Assert.Equal(3, faults.Count);
        Assert.All(faults, f => Assert.Contains($"{baseModel}/config.json: no such file on this node", f.GetProperty("reason").GetString()));
        var assigned = await Journaled("trial-assigned");
        Assert.All(faults, f => Assert.Equal(blind.Address, assigned.Last(a => a.GetProperty("trial_id").GetString() == f.GetProperty("trial_id").GetString()
            && a.GetProperty("attempt").GetInt32() == f.GetProperty("attempt").GetInt32()).GetProperty("node").GetString()));

        // Three node faults in a row: the blind slot quarantined itself, and says why.
        {
            var member = (await Console(coordinator, "cluster", "show")).GetProperty("members").EnumerateArray().Single(m => m.GetProperty("address").GetString() == blind.Address);
            var quarantined = Assert.Single(member.GetProperty("gpus").GetProperty("quarantined").EnumerateArray());
            Assert.StartsWith("slot 0: 3 node faults in a row", quarantined.GetString());
            Assert.Contains("quarantined", blind.Output);

            // The mount comes back (unmounted inside the blind node's namespace): its check passes and it rejoins.
            using (var umount = System.Diagnostics.Process.Start("nsenter", ["-t", blind.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", "umount", baseModel]))
            {
                await umount!.WaitForExitAsync();
                Assert.Equal(0, umount.ExitCode);
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            while ((await Console(coordinator, "cluster", "show")).GetProperty("members").EnumerateArray()
                   .Single(m => m.GetProperty("address").GetString() == blind.Address).GetProperty("gpus").GetProperty("quarantined").GetArrayLength() > 0)
            {
                Assert.True(DateTime.UtcNow < deadline, $"the blind trainer did not rejoin\n{NodeLogs()}");
                await Task.Delay(1000);
            }
            Assert.Contains("passed its check", blind.Output);
        }
    }

    [Fact]
    public async Task A_frozen_trainer_loses_its_lease_its_trial_runs_elsewhere_and_once_thawed_it_stops_the_stale_attempt()
    {
        // Leases of 3 s, and a failure detector that would take a minute to notice the freeze:
        // only the lease can requeue the trial here.
        var config = _temp.File("lease.conf");
        File.WriteAllText(config, File.ReadAllText(Config) + """

            akka.cluster.failure-detector.acceptable-heartbeat-pause = 60s
            cora.coordinator.lease = 3s
            cora.trainer.heartbeat-every = 500ms
            """);
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var coordinator = NodeWith(config, "coordinator", null);
        await coordinator.WaitUpAsync();
        var trainers = new[] { NodeWith(config, "trainer", coordinator, "--slots", "1"), NodeWith(config, "trainer", coordinator, "--slots", "1") };
        foreach (var t in trainers) await t.WaitUpAsync();
        var sweep = await StartSweep(coordinator, grid);
        var victim = trainers[1];
        var running = await WaitFor(coordinator, sweep, s => s.GetProperty("running").EnumerateArray()
            .Any(r => r.GetProperty("node").GetString() == victim.Address && r.GetProperty("stage").GetString()?.StartsWith("training", StringComparison.Ordinal) == true));
        var frozenTrial = running.GetProperty("running").EnumerateArray().First(r => r.GetProperty("node").GetString() == victim.Address).GetProperty("trial_id").GetString();

        victim.Freeze();
        await WaitFor(coordinator, sweep, s => s.GetProperty("failures").EnumerateArray()
            .Any(f => f.GetProperty("trial_id").GetString() == frozenTrial && f.GetProperty("reason").GetString()!.Contains("lease lapsed", StringComparison.Ordinal)));
        victim.Thaw();

        var status = await WaitFor(coordinator, sweep, Finished);
        Assert.Equal("completed", status.GetProperty("state").GetString());
        await AssertEveryTrialExactlyOnce(grid);
        Assert.Empty(await Journaled("trial-attempt-failed"));
        // Thawed, the trainer hears that its attempt is no longer current and stops it — unless
        // that attempt's result reached the coordinator first and won.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!victim.Output.Contains("is no longer current", StringComparison.Ordinal)
               && !(await Journaled("trial-succeeded")).Any(e => e.GetProperty("trial_id").GetString() == frozenTrial && e.GetProperty("attempt").GetInt32() == 1))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the thawed trainer never stopped its stale attempt\n{NodeLogs()}");
            await Task.Delay(500);
        }
    }

    [Fact]
    public async Task Schedules_are_added_listed_fired_now_skipped_while_their_sweep_runs_and_removed_from_the_console()
    {
        // One coordinator node and no trainer: a fired sweep stays running, which is what the skip rule needs.
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        int[] seeds = [NodeProcess.FreePort()];
        var coordinator = NodeSeeded("coordinator", seeds, seeds[0]);
        await coordinator.WaitUpAsync();

        var added = await Console(coordinator, "schedule", "add", "nightly", "--cron", "0 2 * * *", "--tz", "Europe/Paris", grid);
        Assert.Equal(grid, added.GetProperty("grid").GetString());
        var (code, _, stderr) = await NodeProcess.RunAsync(Token, "schedule", "add", "other", "--cron", "0 2 * * *", _temp.File("missing.conf"), "--contact", coordinator.Contact, "--insecure");
        Assert.Equal(ExitCodes.DataError, code);
        Assert.Contains(_temp.File("missing.conf"), stderr);

        var listed = (await Console(coordinator, "schedule", "list")).GetProperty("schedules").EnumerateArray().Single();
        Assert.Equal(("nightly", "0 2 * * *", "Europe/Paris"), (listed.GetProperty("name").GetString(), listed.GetProperty("cron").GetString(), listed.GetProperty("time_zone").GetString()));
        var next = listed.GetProperty("next").GetDateTimeOffset();
        Assert.Equal((2, 0), (next.Hour, next.Minute));
        Assert.Equal(next, listed.GetProperty("next_utc").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Null, listed.GetProperty("last").ValueKind);

        var fired = await Console(coordinator, "schedule", "run-now", "nightly");
        Assert.Equal(("fired", true), (fired.GetProperty("outcome").GetString(), fired.GetProperty("manual").GetBoolean()));
        var sweep = fired.GetProperty("sweep_id").GetString()!;
        var status = await WaitFor(coordinator, sweep, s => s.GetProperty("state").GetString() == "running");
        Assert.Equal(Planned(grid).Count, status.GetProperty("counts").GetProperty("pending").GetInt32());

        var skipped = await Console(coordinator, "schedule", "run-now", "nightly");
        Assert.Equal("skipped", skipped.GetProperty("outcome").GetString());
        Assert.Contains($"previous sweep {sweep} of this schedule is still running", skipped.GetProperty("reason").GetString());
        var last = (await Console(coordinator, "schedule", "list")).GetProperty("schedules")[0].GetProperty("last");
        Assert.Equal("skipped", last.GetProperty("outcome").GetString());

        await Console(coordinator, "schedule", "remove", "nightly");
        Assert.Empty((await Console(coordinator, "schedule", "list")).GetProperty("schedules").EnumerateArray());
        Assert.Contains("ran schedule-run-now {\"name\":\"nightly\"}", coordinator.Output);   // audit-logged like the other mutating commands
    }
}
