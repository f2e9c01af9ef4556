using System.Text.Json;
using Cora.Cluster.Commands;
using Cora.Tests;
using Xunit.Abstractions;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// The journal's PostgreSQL crashes (every server process killed at once, as the OOM killer or a
/// failover would) while a cluster of real `cora node` processes works, and comes back. The
/// coordinator node's singletons lose their journal, stop, and are started again with backoff
/// (Persistence/RestartingSupervisor.cs) until the database answers. The server is these tests'
/// own: the collection's shared one must stay up for the other cluster tests.
/// </summary>
[Collection(MicroZooGroup.Name)]
public sealed class JournalOutageTests : ClusterTestKit
{
    /// <summary>How long the node may take to notice the outage (a trial must finish first).</summary>
    private static readonly TimeSpan Notice = TimeSpan.FromMinutes(3);
    private readonly MicroZoo _zoo;
    private readonly PostgresServer _server;
    private readonly TempDirectory _temp;
    private readonly ITestOutputHelper _output;

    public JournalOutageTests(MicroZoo zoo, ITestOutputHelper output) : this(zoo, new PostgresServer(), new TempDirectory(), output)
    {
    }

    private JournalOutageTests(MicroZoo zoo, PostgresServer server, TempDirectory temp, ITestOutputHelper output) : base(server.CreateDatabase(), temp)
    {
        _zoo = zoo;
        _server = server;
        _temp = temp;
        _output = output;
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);   // the nodes first: they hold connections to the server
        if (disposing) _server.Dispose();
    }

    /// <summary>What an operator reads on the node's stderr about the outage.</summary>
    private static string OutageLines(NodeProcess node) => string.Join('\n', node.Output.Split('\n')
        .Where(l => l.Contains("Journal unavailable", StringComparison.Ordinal) || l.Contains(" again (restart ", StringComparison.Ordinal)));

    [Fact]
    public async Task The_sweep_coordinator_survives_a_database_crash_mid_sweep_and_finishes_every_trial_once()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var (coordinator, _) = await StartCluster(trainers: 2);
        var sweep = await StartSweep(coordinator, grid);
        await WaitFor(coordinator, sweep, s => s.GetProperty("counts").GetProperty("succeeded").GetInt32() >= 1 && s.GetProperty("running").EnumerateArray()
            .Any(r => r.GetProperty("stage").GetString()?.StartsWith("training", StringComparison.Ordinal) == true));

        _server.Kill();
        // The next journal write (a result, an assignment) fails and stops the coordinator; its
        // restarts find the database still down and fail to recover. Restart 6 is announced
        // after the fifth failed recovery, which opens the snapshot store's circuit breaker
        // (max-failures 5): its reset-timeout is part of what is measured below (with Akka's
        // default, 60 s, the coordinator would be refused about a minute after the database is
        // back; JournalOutageTests in Cora.Actors.Tests pins that apart from the backoff).
        await coordinator.WaitForOutputAsync("Journal unavailable: the sweep coordinator could not write", Notice);
        await coordinator.WaitForOutputAsync("Journal unavailable: the sweep coordinator could not recover from the journal", Notice);
        await coordinator.WaitForOutputAsync("(restart 6 in a row", Notice);
        _server.Start();
        var back = DateTimeOffset.UtcNow;
        var logBefore = coordinator.Output.Length;

        var status = await WaitFor(coordinator, sweep, Finished);
        Assert.Equal("completed", status.GetProperty("state").GetString());
        await AssertEveryTrialExactlyOnce(grid);
        Assert.Contains("Journal unavailable, restarting the sweep coordinator in ", coordinator.Output);

        // How soon it came back is a count, not a clock: once the database is up, at most two
        // restarts fail (one may be under way as it returns, the next may meet the snapshot
        // store's breaker still open for its 2 s reset), so it journals again within two of the
        // backoff's waits (at most 12 s each, RestartBackoffTests) plus a recovery. The seconds it
        // took are printed here and measured under faults by bench/chaos.
        static DateTimeOffset At(JsonElement e) => e.GetProperty("at").GetDateTimeOffset();
        var succeeded = await Journaled("trial-succeeded");
        var journaled = (await Journaled("trial-requeued")).Concat(await Journaled("trial-assigned")).Concat(succeeded).Select(At).ToList();
        var resumed = journaled.Where(at => at >= back).Min();
        var finished = succeeded.Select(At).Max();
        _output.WriteLine($"database back at {back:HH:mm:ss.f}: the coordinator journaled again {(resumed - back).TotalSeconds:F1} s later; " +
            $"the sweep finished {(finished - back).TotalSeconds:F1} s after the database returned, " +
            $"{succeeded.Count(e => At(e) >= back)} of {succeeded.Count} trials succeeding after that");
        _output.WriteLine(OutageLines(coordinator));
        AssertAtMostTwoFailedRecoveriesAfter(coordinator, logBefore, "the sweep coordinator");
    }

    private static void AssertAtMostTwoFailedRecoveriesAfter(NodeProcess node, int logBefore, string what)
    {
        var after = node.Output[logBefore..];
        var failed = after.Split('\n').Count(line => line.Contains($"Journal unavailable: {what} could not recover from the journal", StringComparison.Ordinal));
        Assert.True(failed <= 2, $"{failed} recoveries of {what} failed after the database came back:\n{after}");
    }

    [Fact]
    public async Task While_the_coordinator_is_down_cluster_show_answers_from_the_membership_and_is_not_held_up_by_a_waiting_command()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var (coordinator, trainers) = await StartCluster(trainers: 1);
        var before = await Console(coordinator, "cluster", "show");
        Assert.Equal(JsonValueKind.Null, before.GetProperty("note").ValueKind);
        var trainer = before.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("address").GetString() == trainers[0].Address);
        Assert.Equal(1, trainer.GetProperty("gpus").GetProperty("total").GetInt32());

        // The journal dies under a submission: the coordinator cannot write it, stops, and its
        // restarts cannot recover while the database is down. Nothing answers for it now.
        _server.Kill();
        var submitting = NodeProcess.RunAsync(Token, "sweep", "start", grid, "--contact", coordinator.Contact, "--insecure");
        await coordinator.WaitForOutputAsync("Journal unavailable: the sweep coordinator could not recover from the journal", Notice);

        // A command that waits on the coordinator (the node gives up after 20 s), and, after it,
        // `cluster show`: answered while the first still waits, from the membership alone. One
        // console sends both, so they reach the node in that order.
        var config = _temp.File("console.conf");
        File.WriteAllText(config, $"cora.console.token = {JsonSerializer.Serialize(Token)}\n");
        await using var console = Hosting.ConsoleClient.Connect([coordinator.Contact], config, insecure: true);
        var listing = console.Ask<Actors.Coordinator.SweepList>(new Actors.Control.ConsoleCommand.SweepList(), CancellationToken.None);
        var shown = await console.Ask<Actors.Control.ClusterView>(new Actors.Control.ConsoleCommand.ClusterShow(), CancellationToken.None);
        Assert.False(listing.IsCompleted, "sweep list was answered before cluster show, which was sent after it");
        Assert.Contains("did not answer", shown.Note);
        Assert.Equal(new[] { coordinator.Address, trainers[0].Address }.Order(), shown.Members.Select(m => m.Address).Order());
        Assert.All(shown.Members, m => Assert.Equal(("Up", (Actors.Control.GpuView?)null), (m.Status, m.Gpus)));
        await Assert.ThrowsAsync<Hosting.ConsoleUnreachableException>(() => listing);
        var (submitted, _, _) = await submitting;
        Assert.NotEqual(ExitCodes.Ok, submitted);
    }

    [Fact]
    public async Task The_scheduler_survives_a_database_crash_and_answers_again_without_the_schedule_it_could_not_write()
    {
        var grid = _zoo.SmokeGrid(_temp.File("smoke.conf"));
        var coordinator = Node("coordinator", null);
        await coordinator.WaitUpAsync();
        await Console(coordinator, "schedule", "add", "nightly", "--cron", "0 2 * * *", grid);

        _server.Kill();
        // The scheduler takes the command, fails to journal it and stops: the console hears
        // nothing and says "unavailable" after its wait (20 s), while the node logs why.
        var adding = NodeProcess.RunAsync(Token, "schedule", "add", "weekly", "--cron", "0 3 * * 1", grid, "--contact", coordinator.Contact, "--insecure");
        await coordinator.WaitForOutputAsync("Journal unavailable: the scheduler could not write ScheduleAdded", Notice);
        await coordinator.WaitForOutputAsync("Journal unavailable: the scheduler could not recover from the journal", Notice);
        await coordinator.WaitForOutputAsync("Journal unavailable, restarting the scheduler in ", Notice);
        _server.Start();
        var back = DateTimeOffset.UtcNow;
        var logBefore = coordinator.Output.Length;

        // Back within the backoff (see the coordinator's test); the deadline only ends a hung test.
        JsonElement? listed = null;
        var deadline = back + Notice;
        while (listed is null)
        {
            Assert.True(DateTimeOffset.UtcNow < deadline, $"`schedule list` did not answer after the database's return\n{NodeLogs()}");
            listed = await TryConsole(coordinator, "schedule", "list");
        }
        _output.WriteLine(OutageLines(coordinator));
        AssertAtMostTwoFailedRecoveriesAfter(coordinator, logBefore, "the scheduler");
        _output.WriteLine($"`schedule list` answered {(DateTimeOffset.UtcNow - back).TotalSeconds:F1} s after the database came back");
        Assert.Equal(["nightly"], listed.Value.GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        var (code, _, stderr) = await adding;
        Assert.True(code == ExitCodes.Unavailable, $"exit {code}: {stderr}");

        // It journals again: the schedule that was lost can simply be added now.
        await Console(coordinator, "schedule", "add", "weekly", "--cron", "0 3 * * 1", grid);
        var names = (await Console(coordinator, "schedule", "list")).GetProperty("schedules").EnumerateArray().Select(s => s.GetProperty("name").GetString());
        Assert.Equal(["nightly", "weekly"], names.Order());
    }
}
