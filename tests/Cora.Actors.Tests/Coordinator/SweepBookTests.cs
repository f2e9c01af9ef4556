using System.Text;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Actors.Serialization;

namespace Cora.Actors.Tests.Coordinator;

/// <summary>The coordinator's rules as plain code (the actor tests cover the same through messages).</summary>
public sealed class SweepBookTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    /// <summary>For books of journals written before the plan store: nothing is read from one.</summary>
    private static SweepPlan NoStore(PlanRef reference) => throw new InvalidOperationException($"no plan store here (asked for {reference.SweepId})");

    private static SweepBook Book(params ICoordinatorEvent?[] events)
    {
        var book = new SweepBook(NoStore);
        foreach (var e in events) book.Apply(e!);
        return book;
    }

    [Fact]
    public void A_late_failure_of_an_abandoned_attempt_changes_nothing()
    {
        var book = Book(new SweepSubmitted(Plans.Sweep("s1", "t1"), At), new TrialAssigned("t1", 1, "a", "n", 0, At), new TrialRequeued("t1", 1, "trainer stopped", At));
        book.Apply(book.Assign("b", "n", 1, At)!);
        Assert.Null(book.Fail("t1", 1, "late", false, At));
        Assert.NotNull(book.Fail("t1", 2, "now", false, At));
    }

    [Fact]
    public void A_late_success_of_an_abandoned_attempt_wins_and_the_current_attempt_is_then_a_duplicate()
    {
        var book = Book(new SweepSubmitted(Plans.Sweep("s1", "t1"), At), new TrialAssigned("t1", 1, "a", "n", 0, At), new TrialRequeued("t1", 1, "coordinator restarted", At));
        book.Apply(book.Assign("b", "n", 1, At)!);
        book.Apply(book.Succeed("t1", 1, Plans.Metrics(("bleu", 3)), "/a1", At)!);
        Assert.IsType<DuplicateResultDropped>(book.Succeed("t1", 2, Plans.Metrics(("bleu", 4)), "/a2", At));
        Assert.False(book.HasPending);
    }

    [Fact]
    public void Results_come_in_pages_in_plan_order_with_the_sweeps_total()
    {
        var book = Book(new SweepSubmitted(Plans.Sweep("s1", "t1", "t2", "t3", "t4", "t5"), At));
        var pages = new[] { (0, 2), (2, 2), (4, 2), (5, 2) }.Select(p => book.Results(new GetSweepResults("s1", p.Item1, p.Item2))).ToList();
        Assert.Equal([["t1", "t2"], ["t3", "t4"], ["t5"], []], pages.Select(p => p.Rows.Select(r => r.TrialId).ToArray()));
        Assert.Equal([0, 2, 4, 5], pages.Select(p => p.Offset));
        Assert.All(pages, p => Assert.Equal(5, p.Total));
        Assert.Equal(5, book.Results(new GetSweepResults("s1")).Rows.Count);
        Assert.Equal((0, 0), (book.Results(new GetSweepResults("none", 0, 2)).Rows.Count, book.Results(new GetSweepResults("none", 0, 2)).Total));
    }

    [Fact]
    public void A_snapshot_restores_the_same_book_through_the_serializer()
    {
        var book = Book(
            new SweepSubmitted(Plans.Sweep("s1", "t1", "t2", "t3", "t4"), At),
            new TrialAssigned("t1", 1, "a", "node-a", 0, At),
            new TrialSucceeded("t1", 1, Plans.Metrics(("rougeL", 0.5)), "/a/t1", At),
            new TrialAssigned("t2", 1, "a", "node-a", 0, At),
            new TrialAttemptFailed("t2", 1, "exit code 134", false, At),
            new TrialAssigned("t3", 1, "b", "node-b", 1, At),
            new DuplicateResultDropped("t1", 2, At),
            new TrialAssigned("t4", 1, "c", "node-c", 0, At),
            new TrialRequeued("t4", 1, "checkpoint check failed: /zoo/base: no such directory on this node", At, Counted: true, NodeFault: true));
        var json = CoraJsonSerializer.Write(book.Snapshot());
        var restored = SweepBook.Restore((CoordinatorSnapshot)CoraJsonSerializer.Read(Encoding.UTF8.GetBytes(json), "coordinator-snapshot"), NoStore);

        Assert.Equal(CoraJsonSerializer.Write(book.Status("s1", new Dictionary<string, TrialProgressed>())),
            CoraJsonSerializer.Write(restored.Status("s1", new Dictionary<string, TrialProgressed>())));
        Assert.Equal(CoraJsonSerializer.Write(book.Results(new GetSweepResults("s1"))), CoraJsonSerializer.Write(restored.Results(new GetSweepResults("s1"))));
        // Pending order survives: t2 (retrying) comes before t4.
        Assert.Equal(("t2", 2), (restored.Assign("c", "n", 0, At)!.TrialId, restored.Assign("c", "n", 0, At)!.Attempt));
        Assert.Equal(json, CoraJsonSerializer.Write(restored.Snapshot()));
        Assert.Equal((1, 1), (restored.Trial("t4")!.Abandons, restored.Trial("t1")!.SucceededAttempt));
        Assert.Equal(["node-c"], restored.Trial("t4")!.FaultedNodes);
    }

    [Fact]
    public void A_trial_avoids_the_node_that_failed_it_while_another_node_can_take_it()
    {
        var book = Book(new SweepSubmitted(Plans.Sweep("s1", "t1", "t2"), At), new TrialAssigned("t1", 1, "a", "node-a", 0, At),
            new TrialRequeued("t1", 1, "I/O error on this node (exit code 74)", At, Counted: true, NodeFault: true));
        // node-a gets t2, which it never failed; node-b gets t1.
        Assert.Equal("t2", book.Assign("a", "node-a", 0, At, ["node-a", "node-b"])!.TrialId);
        Assert.Equal("t1", book.Assign("b", "node-b", 0, At, ["node-a", "node-b"])!.TrialId);
        book.Apply(book.Assign("a", "node-a", 0, At, ["node-a", "node-b"])!);
        Assert.Null(book.Assign("a", "node-a", 0, At, ["node-a", "node-b"]));
        // With node-a the only trainer left, t1 may try there again.
        Assert.Equal("t1", book.Assign("a", "node-a", 0, At, ["node-a"])!.TrialId);
    }

    [Fact]
    public void Only_counted_abandons_reach_max_abandons_and_a_resent_result_is_no_duplicate()
    {
        var book = Book(new SweepSubmitted(Plans.Sweep("s1", Plans.Trial("t1") with { MaxAbandons = 2 }), At));
        book.Apply(book.Assign("a", "n", 0, At)!);
        book.Apply(book.Requeue("t1", 1, "the trainer was busy", At)! with { Declined = true });
        book.Apply(book.Assign("a", "n", 0, At)!);
        book.Apply(book.Requeue("t1", 2, "its sweep was cancelled", At)!);
        book.Apply(book.Assign("a", "n", 0, At)!);
        book.Apply(book.Abandon("t1", 3, "the lease lapsed", nodeFault: false, At)!);
        Assert.Equal(TrialState.Pending, book.Trial("t1")!.State);
        book.Apply(book.Assign("a", "n", 0, At)!);
        book.Apply(book.Succeed("t1", 4, Plans.Metrics(), "/a/4", At)!);
        Assert.Null(book.Succeed("t1", 4, Plans.Metrics(), "/a/4", At));
        Assert.IsType<DuplicateResultDropped>(book.Succeed("t1", 3, Plans.Metrics(), "/a/3", At));
        Assert.Equal((TrialState.Succeeded, 1), (book.Trial("t1")!.State, book.Trial("t1")!.Abandons));
    }

    [Fact]
    public void A_cancelled_sweep_hands_out_nothing_but_a_trial_another_live_sweep_shares_still_runs()
    {
        var book = Book(new SweepSubmitted(Plans.Sweep("s1", "t1", "t2"), At), new SweepSubmitted(Plans.Sweep("s2", "t2"), At));
        book.Apply(book.Cancel("s1", At)!);
        Assert.Null(book.Cancel("s1", At));
        Assert.Equal("t2", book.Assign("a", "n", 0, At)!.TrialId);
        book.Apply(book.Assign("a", "n", 0, At)!);
        Assert.Null(book.Assign("a", "n", 0, At));
        Assert.False(book.HasPending);
        Assert.Equal("cancelled", book.Status("s1", new Dictionary<string, TrialProgressed>()).State);
        Assert.Empty(book.Orphaned());   // t2 is wanted by s2

        book.Apply(book.Retry("s1", failed: false, At)!);
        Assert.Equal("t1", book.Assign("a", "n", 0, At)!.TrialId);
    }

    [Fact]
    public void Retrying_failed_trials_gives_them_a_fresh_attempt_budget()
    {
        var book = Book(new SweepSubmitted(Plans.Sweep("s1", Plans.Trial("t1", maxAttempts: 1)), At), new TrialAssigned("t1", 1, "a", "n", 0, At),
            new TrialAttemptFailed("t1", 1, "exit code 134", false, At));
        Assert.Equal("failed", book.Status("s1", new Dictionary<string, TrialProgressed>()).State);
        book.Apply(book.Retry("s1", failed: true, At)!);
        var again = book.Assign("a", "n", 0, At)!;
        Assert.Equal(("t1", 2), (again.TrialId, again.Attempt));
        book.Apply(again);
        book.Apply(book.Fail("t1", 2, "exit code 134", false, At)!);
        Assert.Equal(TrialState.Failed, book.Trial("t1")!.State);   // one attempt again, then failed
    }

    [Fact]
    public void A_declined_assignment_goes_back_to_pending_without_counting_as_an_attempt_of_record()
    {
        var book = Book(new SweepSubmitted(Plans.Sweep("s1", "t1"), At), new TrialAssigned("t1", 1, "a", "n", 0, At));
        book.Apply(book.Requeue("t1", 1, "the trainer was busy when the assignment arrived", At)! with { Declined = true });
        Assert.Empty(book.Status("s1", new Dictionary<string, TrialProgressed>()).Failures);
        Assert.Equal("t1", book.Assign("b", "n", 0, At)!.TrialId);
    }

    [Fact]
    public void The_overview_counts_a_trial_shared_by_two_sweeps_once_and_lists_failures_newest_first()
    {
        var book = Book(
            new SweepSubmitted(Plans.Sweep("s1", "t1", "t2"), At),
            new SweepSubmitted(Plans.Sweep("s2", "t2", "t3"), At),
            new TrialAssigned("t1", 1, "a", "node-a", 0, At),
            new TrialAttemptFailed("t1", 1, "exit code 134", false, At.AddMinutes(1)),
            new TrialAssigned("t1", 2, "a", "node-a", 0, At.AddMinutes(2)),
            new TrialRequeued("t1", 2, "trainer stopped", At.AddMinutes(3)),
            new TrialAssigned("t2", 1, "b", "node-b", 1, At.AddMinutes(4)),
            new TrialSucceeded("t2", 1, Plans.Metrics(("bleu", 1)), "/a/t2", At.AddMinutes(5)),
            new TrialAssigned("t3", 1, "b", "node-b", 1, At.AddMinutes(6)));
        var progress = new Dictionary<string, TrialProgressed>
        {
            ["t3"] = new("t3", 1, "training", 3, 12, 2.5, 840),
        };
        var trainers = new[] { new TrainerSlot("node-b", 1, true) };

        var overview = book.Overview(progress, trainers, failures: 1);

        Assert.Equal(new SweepCounts(3, 1, 1, 1, 0), overview.Trials);
        Assert.Equal(["s1", "s2"], overview.Sweeps.Select(s => s.SweepId));
        Assert.Equal(new SweepCounts(2, 0, 1, 1, 0), overview.Sweeps[1].Counts);
        var running = Assert.Single(overview.Running);
        Assert.Equal(("t3", "node-b", 1, 2.5, 840.0), (running.TrialId, running.Node, running.Slot, running.Loss!.Value, running.TokensPerSecond!.Value));
        var failure = Assert.Single(overview.Failures);
        Assert.Equal(("t1", 2, "abandoned", "trainer stopped"), (failure.TrialId, failure.Attempt, failure.Outcome, failure.Reason));
        Assert.Equal(trainers, overview.Trainers);
        Assert.Equal(2, book.Overview(progress, trainers, failures: 20).Failures.Count);
    }

    [Fact]
    public void A_stage_report_without_figures_keeps_the_last_loss_of_the_same_attempt_only()
    {
        var training = new TrialProgressed("t1", 2, "training", 12, 12, 1.25, 900);
        var scoring = new TrialProgressed("t1", 2, "scoring");

        Assert.Equal(new TrialProgressed("t1", 2, "scoring", 12, 12, 1.25, 900), scoring.After(training));
        Assert.Equal(scoring, scoring.After(training with { Attempt = 1 }));
        Assert.Equal(scoring, scoring.After(null));
        Assert.Equal(training with { Loss = 1.0 }, (training with { Loss = 1.0 }).After(training));
    }

    [Fact]
    public void Step_and_total_are_kept_or_replaced_together()
    {
        // Seen before: "generating 200/96", the last training step against the generation total.
        var training = new TrialProgressed("t1", 1, "training", 200, 200, 0.5, 900);
        var generating = new TrialProgressed("t1", 1, "generating", null, 96);

        var shown = generating.After(training);

        Assert.Equal((null, 96, 0.5), (shown.Step, shown.TotalSteps, shown.Loss));
        var next = (generating with { Step = 32 }).After(shown);
        Assert.Equal((32, 96), (next.Step, next.TotalSteps));
    }

    [Fact]
    public void A_stored_sweep_is_journaled_and_snapshotted_by_reference_and_read_from_the_store_after_the_inline_ones()
    {
        using var directory = new TempDirectory();
        var store = new PlanStore(directory.Path);
        var stored = store.Save(Plans.Sweep("s2", "t2", "t3")).Reference;
        var book = new SweepBook(store.Load);
        book.Apply(new SweepSubmitted(Plans.Sweep("s1", "t1", "t2"), At));
        book.Apply(book.Submit(stored, At)!);
        book.Apply(new TrialAssigned("t3", 1, "a", "node-a", 0, At));
        Assert.Null(book.Submit(stored, At));

        var snapshot = book.Snapshot();
        var json = CoraJsonSerializer.Write(snapshot);
        Assert.Equal(["s1"], snapshot.Sweeps.Select(s => s.SweepId));
        Assert.Equal([stored], snapshot.StoredSweeps!);
        Assert.DoesNotContain("\"spec\"", json[json.IndexOf("\"stored_sweeps\"", StringComparison.Ordinal)..]);
        var restored = SweepBook.Restore((CoordinatorSnapshot)CoraJsonSerializer.Read(Encoding.UTF8.GetBytes(json), "coordinator-snapshot"), store.Load);
        Assert.Equal(["s1", "s2"], restored.SweepIds);
        Assert.Equal(["t3"], restored.Running.Select(t => t.Plan.TrialId));
        Assert.Equal(3, restored.TrialCount);
        Assert.Equal(json, CoraJsonSerializer.Write(restored.Snapshot()));
    }

    [Fact]
    public void A_plan_file_changed_behind_the_coordinators_back_is_refused_naming_it()
    {
        using var directory = new TempDirectory();
        var store = new PlanStore(directory.Path);
        var stored = store.Save(Plans.Sweep("s1", "t1")).Reference;
        File.AppendAllText(store.PathOf("s1"), "x");
        var error = Assert.Throws<InvalidDataException>(() => new SweepBook(store.Load).Apply(new SweepStored(stored, At)));
        Assert.Contains(store.PathOf("s1"), error.Message);
        Assert.Contains("changed or cut", error.Message);
        File.Delete(store.PathOf("s1"));
        Assert.Contains("missing from the artifact store", Assert.Throws<FileNotFoundException>(() => store.Load(stored)).Message);
    }
}
