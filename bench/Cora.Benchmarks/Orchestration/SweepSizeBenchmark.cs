using System.Diagnostics;
using Akka.Actor;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Actors.Persistence;
using Cora.Actors.Serialization;

namespace Cora.Benchmarks.Orchestration;

/// <summary>
/// What a sweep's size costs the coordinator, per trial, on a SQLite journal with its plan store:
/// sweeps of 1,000, 10,000 and 100,000 no-op trials (quick: the first two). For each size:
/// submitting it (the plan stored and one event journaled), answering <c>sweep status</c>
/// (median of 21), dispatching a fixed 800 trials to 4 no-op slots (the cost of handing out
/// a trial must not grow with the trials still waiting), the dashboard's overview before and
/// after 80 and after 800 finished (its size must not grow with finished trials), and recovering the
/// coordinator from the journal and the plan store afterwards (median of 3, each a new actor
/// system as a restarted process). "Flat" is the per-trial cost at the largest size over the
/// smallest; the baseline is the smallest sweep, measured in the same run.
/// </summary>
public static class SweepSizeBenchmark
{
    private const int Slots = 4;
    /// <summary>Trials run in each sweep (fewer than the smallest sweep holds).</summary>
    private const int Dispatched = 800;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    public static async Task RunAsync(bool quick)
    {
        int[] sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
        var rows = new List<Row>();
        foreach (var size in sizes) rows.Add(await MeasureAsync(size));
        var first = rows[0];
        var last = rows[^1];
        Console.WriteLine($"sweep-size: {first.Trials:N0} → {last.Trials:N0} trials, per-trial cost ratio (flat = 1): " +
                          $"submit {last.SubmitPerTrial / first.SubmitPerTrial:F2}x, recovery {last.RecoveryPerTrial / first.RecoveryPerTrial:F2}x, " +
                          $"dispatch {last.DispatchPerTrial / first.DispatchPerTrial:F2}x; status {last.StatusSeconds * 1e3:F0} ms at {last.Trials:N0} " +
                          $"(vs {first.StatusSeconds * 1e3:F1} ms); overview {last.OverviewAfter:N0} bytes after {Dispatched:N0} finished (vs {last.OverviewBefore:N0} after {Dispatched / 10:N0})");
    }

    private sealed record Row(int Trials, double SubmitSeconds, double StatusSeconds, double DispatchSeconds, double RecoverySeconds,
        int OverviewBefore, int OverviewAfter)
    {
        public double SubmitPerTrial => SubmitSeconds / Trials;
        public double RecoveryPerTrial => RecoverySeconds / Trials;
        public double DispatchPerTrial => DispatchSeconds / Dispatched;
    }

    private static async Task<Row> MeasureAsync(int trials)
    {
        var directory = Directory.CreateTempSubdirectory("cora-bench-sweep-size-");
        try
        {
            var journal = JournalConfig.For(Path.Combine(directory.FullName, "journal.db"));
            var plans = PlanStore.In(directory.FullName);
            var plan = OrchestrationBenchmark.NoOpSweep("sweep", trials);
            Console.Error.WriteLine($"(sweep-size) {trials:N0} trials");
            double submit, status, dispatch;
            int before, after;
            using (var system = ActorSystem.Create("bench", OrchestrationBenchmark.SystemConfig(journal)))
            {
                var coordinator = system.ActorOf(SweepCoordinator.Props(plans, "sweep", 500));
                await coordinator.Ask<SweepList>(ListSweeps.Instance, Timeout);   // journal plugin started
                var clock = Stopwatch.StartNew();
                await coordinator.Ask<SweepAccepted>(new SubmitSweep(plan), Timeout);
                submit = clock.Elapsed.TotalSeconds;

                var answers = new List<double>();
                for (var i = 0; i < 21; i++)
                {
                    clock.Restart();
                    await coordinator.Ask<SweepStatus>(new GetSweepStatus(plan.SweepId), Timeout);
                    answers.Add(clock.Elapsed.TotalSeconds);
                }
                status = Stats.Median(answers);

                before = await DispatchAsync(system, coordinator, Dispatched / 10);
                clock.Restart();
                after = await DispatchAsync(system, coordinator, Dispatched - Dispatched / 10);
                dispatch = clock.Elapsed.TotalSeconds * Dispatched / (Dispatched - Dispatched / 10);
                await system.Terminate();
            }
            var recovery = await OrchestrationBenchmark.MedianRecoveryAsync(journal, plans, "sweep");
            Console.WriteLine($"sweep-size [{trials:N0} trials]: submit {submit:F2} s ({submit / trials * 1e6:F1} µs/trial), status {status * 1e3:F1} ms, " +
                              $"dispatch {dispatch / Dispatched * 1e3:F2} ms/trial, recovery {recovery:F2} s ({recovery / trials * 1e6:F1} µs/trial), " +
                              $"overview {before:N0} → {after:N0} bytes; plan file {new FileInfo(plans.PathOf(plan.SweepId)).Length / 1e6:F1} MB");
            return new Row(trials, submit, status, dispatch, recovery, before, after);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>Runs <paramref name="count"/> more trials on fresh no-op slots; returns the size of
    /// the dashboard's overview (JSON bytes) once they are recorded.</summary>
    private static async Task<int> DispatchAsync(ActorSystem system, IActorRef coordinator, int count)
    {
        var completed = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool OnCompleted()
        {
            var n = Interlocked.Increment(ref completed);
            if (n == count) done.SetResult();
            return n < count;
        }
        var slots = Enumerable.Range(0, Slots).Select(slot => system.ActorOf(NoOpTrainer.Props(coordinator, "bench-node", slot, OnCompleted))).ToList();
        await done.Task.WaitAsync(Timeout);
        foreach (var slot in slots) await slot.GracefulStop(Timeout);
        var overview = await coordinator.Ask<CoordinatorOverview>(GetOverview.Instance, Timeout);
        return CoraJsonSerializer.Write(overview).Length;
    }
}
