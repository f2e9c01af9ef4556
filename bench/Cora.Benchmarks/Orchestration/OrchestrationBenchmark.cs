using System.Diagnostics;
using Akka.Actor;
using Akka.Configuration;
using Akka.Persistence;
using Cora.Actors;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Actors.Persistence;
using Cora.Tests;
using Cora.Training.Trials;

namespace Cora.Benchmarks.Orchestration;

/// <summary>
/// The coordinator's own cost, in process: a sweep of no-op trials (<see cref="NoOpTrainer"/>,
/// 4 slots) dispatched to completion on each journal — Akka's in-memory journal (the baseline:
/// no persistence cost), a SQLite file, and PostgreSQL when asked — then the time a fresh
/// coordinator takes to recover that finished sweep: from its latest snapshot (the coordinator's
/// default interval, 500 events) plus later events, and, after deleting its snapshots, by
/// replaying the whole journal; the baseline is recovering an empty journal. Each recovery is a
/// new actor system on the same store, as a restarted process would be, timed from
/// <c>ActorOf</c> to the first answer (commands wait until recovery has completed).
/// </summary>
public static class OrchestrationBenchmark
{
    private const int Slots = 4;
    private const int Repeats = 3;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(bool quick, bool postgres)
    {
        var trials = quick ? 1_000 : 10_000;
        var directory = Directory.CreateTempSubdirectory("cora-bench-orchestration-");
        PostgresServer? server = null;
        try
        {
            var stores = new List<(string Name, Config Journal)>
            {
                ("in-memory", ConfigurationFactory.ParseString("""
                    akka.persistence.journal.plugin = "akka.persistence.journal.inmem"
                    akka.persistence.snapshot-store.plugin = "akka.persistence.snapshot-store.inmem"
                    """)),
                ("sqlite", JournalConfig.For(Path.Combine(directory.FullName, "journal.db"))),
            };
            if (postgres)
            {
                Console.Error.WriteLine("(orchestration) starting a throwaway PostgreSQL server");
                server = new PostgresServer();
                stores.Add(("postgresql", JournalConfig.For(server.CreateDatabase())));
            }

            var plans = new PlanStore(Path.Combine(directory.FullName, "plans"));
            var rates = new Dictionary<string, double>();
            foreach (var (name, journal) in stores)
            {
                Console.Error.WriteLine($"(orchestration) {trials:N0} no-op trials on the {name} journal");
                // The coordinator's default: a snapshot every 500 events.
                var seconds = await DispatchAsync(journal, plans, "sweep", snapshotEvery: 500, trials);
                rates[name] = trials / seconds;
                Console.WriteLine($"dispatch [{name}]: {trials:N0} no-op trials in {seconds:F2} s, {trials / seconds:F0} trials/s, {seconds / trials * 1e3:F2} ms per trial");
                if (name == "in-memory") continue;  // nothing to recover from: the journal dies with its system

                var empty = await MedianRecoveryAsync(journal, plans, "never-used");
                var snapshot = await MedianRecoveryAsync(journal, plans, "sweep");
                await DeleteSnapshotsAsync(journal, "sweep");
                var replay = await MedianRecoveryAsync(journal, plans, "sweep");
                Console.WriteLine($"recovery [{name}] (median of {Repeats}): {trials:N0}-trial sweep, journal replay {replay:F2} s, from snapshot (every 500 events) {snapshot:F2} s, empty journal {empty * 1e3:F0} ms");
                Console.WriteLine($"orchestration: recovery of a {trials:N0}-trial sweep on {name}: full replay {replay:F2} s, from snapshot {snapshot:F2} s: " +
                                  $"snapshot speed-up {replay / snapshot:F1}x (empty journal {empty * 1e3:F0} ms)");
            }
            foreach (var (name, rate) in rates.Where(r => r.Key != "in-memory"))
                Console.WriteLine($"orchestration: {name} {rate:F0} no-op trials/s ({1e3 / rate:F2} ms per trial), " +
                                  $"{rates["in-memory"] / rate:F1}x the per-trial cost of the in-memory journal ({rates["in-memory"]:F0} trials/s)");
        }
        finally
        {
            server?.Dispose();
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Seconds from submitting a sweep of <paramref name="trials"/> no-op trials until
    /// the coordinator reports every one succeeded.</summary>
    private static async Task<double> DispatchAsync(Config journal, PlanStore plans, string persistenceId, int snapshotEvery, int trials)
    {
        using var system = ActorSystem.Create("bench", SystemConfig(journal));
        var coordinator = system.ActorOf(SweepCoordinator.Props(plans, persistenceId, snapshotEvery));
        var plan = NoOpSweep(persistenceId, trials);
        var completed = 0;
        var allReported = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool OnCompleted()
        {
            if (Interlocked.Increment(ref completed) == trials) allReported.SetResult();
            return true;
        }

        var clock = Stopwatch.StartNew();
        await coordinator.Ask<SweepAccepted>(new SubmitSweep(plan), Timeout);
        for (var slot = 0; slot < Slots; slot++) system.ActorOf(NoOpTrainer.Props(coordinator, "bench-node", slot, OnCompleted));
        await allReported.Task.WaitAsync(Timeout);
        // The coordinator journals a result before it answers the next command, so this status
        // comes after the last result was persisted.
        var status = await coordinator.Ask<SweepStatus>(new GetSweepStatus(plan.SweepId), Timeout);
        var seconds = clock.Elapsed.TotalSeconds;
        if (status.Counts.Succeeded != trials) throw new InvalidOperationException($"{status.Counts.Succeeded} of {trials} trials succeeded");
        await system.Terminate();
        return seconds;
    }

    /// <summary>Median seconds of <see cref="Repeats"/> recoveries (see <see cref="RecoverAsync"/>).</summary>
    internal static async Task<double> MedianRecoveryAsync(Config journal, PlanStore plans, string persistenceId)
    {
        var seconds = new List<double>();
        for (var i = 0; i < Repeats; i++) seconds.Add(await RecoverAsync(journal, plans, persistenceId));
        return Stats.Median(seconds);
    }

    private static async Task<double> RecoverAsync(Config journal, PlanStore plans, string persistenceId)
    {
        using var system = ActorSystem.Create("bench", SystemConfig(journal));
        await system.ActorOf(SweepCoordinator.Props(plans, "never-used-warm-up", 0)).Ask<SweepList>(ListSweeps.Instance, Timeout); // plugin start-up
        var clock = Stopwatch.StartNew();
        var coordinator = system.ActorOf(SweepCoordinator.Props(plans, persistenceId, 500));
        await coordinator.Ask<SweepList>(ListSweeps.Instance, Timeout);
        var seconds = clock.Elapsed.TotalSeconds;
        await system.Terminate();
        return seconds;
    }

    /// <summary>Deletes every snapshot of <paramref name="persistenceId"/>, so the next recovery
    /// replays the whole journal.</summary>
    private static async Task DeleteSnapshotsAsync(Config journal, string persistenceId)
    {
        using var system = ActorSystem.Create("bench", SystemConfig(journal));
        var store = Persistence.Instance.Apply(system).SnapshotStoreFor(null);
        var reply = await store.Ask(new DeleteSnapshots(persistenceId, SnapshotSelectionCriteria.Latest), Timeout);
        if (reply is not DeleteSnapshotsSuccess) throw new InvalidOperationException($"deleting snapshots: {reply}");
        await system.Terminate();
    }

    internal static Config SystemConfig(Config journal) =>
        ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(journal).WithFallback(CoraConfig.Reference);

    internal static SweepPlan NoOpSweep(string id, int trials) => new()
    {
        SweepId = id,
        Name = "no-op",
        GridFile = "bench",
        Trials = [.. Enumerable.Range(0, trials).Select(i => new TrialPlan
        {
            TrialId = $"{id}-{i:D6}",
            Method = "lora",
            Rank = 4,
            Sources = 0,
            Dataset = "none",
            Seed = i,
            Spec = new TrialSpec { BaseModel = "/none", TrainData = "/none", EvalData = "/none", Method = "lora", Rank = 4 },
            Metrics = ["rouge"],
            TimeoutSeconds = 60,
            MaxAttempts = 1,
        })],
    };
}
