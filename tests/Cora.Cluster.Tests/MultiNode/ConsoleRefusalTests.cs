using System.Text.Json;
using Cora.Actors.Control;
using Cora.Actors.Coordinator;
using Cora.Actors.Grids;
using Cora.Cluster.Hosting;
using Cora.Training.Trials;

namespace Cora.Cluster.Tests.MultiNode;

/// <summary>
/// A real coordinator node and hand-made console commands that the `cora` CLI would never send,
/// sent with Cora's own <see cref="ConsoleClient"/> and the right token: each is refused with the
/// field and the value named, logged, and the node carries on.
/// </summary>
public sealed class ConsoleRefusalTests
{
    private const string Token = "refusal-token";

    /// <summary>A trial as the planner would make it, but by hand: nothing here is read by a
    /// node unless a trainer runs it, and this cluster has none.</summary>
    private static readonly TrialPlan Lora = new()
    {
        TrialId = "0123456789abcdef",
        Method = "lora",
        Rank = 4,
        Sources = 0,
        Dataset = "alpaca",
        Seed = 0,
        Spec = new TrialSpec { BaseModel = "/zoo/base", TrainData = "/zoo/alpaca/train.jsonl", EvalData = "/zoo/alpaca/eval.jsonl", Method = "lora", Rank = 4 },
        Metrics = ["rouge"],
        TimeoutSeconds = 600,
        MaxAttempts = 2,
    };

    private static SweepPlan Plan(params TrialPlan[] trials) => new()
    {
        SweepId = SweepPlanner.SweepIdOf(trials.Select(t => t.TrialId)),
        Name = "hand-made",
        GridFile = "/grids/hand-made.conf",
        Trials = trials,
    };

    [Fact]
    public async Task A_coordinator_refuses_hand_made_commands_naming_the_field_and_carries_on()
    {
        using var temp = new TempDirectory();
        var artifacts = Directory.CreateDirectory(temp.File("artifacts")).FullName;
        // The console reads its token (and any transport settings) from the node config.
        var config = temp.File("node.conf");
        File.WriteAllText(config, File.ReadAllText(Path.Combine(Fixtures.Repository, "hocon", "node.conf")) + $"\ncora.console.token = {JsonSerializer.Serialize(Token)}\n");
        using var node = NodeProcess.StartNode(config, Token, "--role", "coordinator", "--single-node", "--db", temp.File("journal.db"), "--artifacts", artifacts);
        await node.WaitUpAsync();
        await using var console = ConsoleClient.Connect([node.Contact], config, insecure: true);

        async Task<string> Refused(ConsoleCommand command) =>
            (await Assert.ThrowsAsync<ConsoleRefusedException>(() => console.Ask<object>(command, CancellationToken.None))).Message;
        async Task<string> RefusedPlan(SweepPlan plan) =>
            (await Assert.ThrowsAsync<ConsoleRefusedException>(() => console.SubmitPlan(plan, null, CancellationToken.None))).Message;

        Assert.StartsWith("trial_id = \"../../etc/passwd\": must be a trial id: 16 lowercase hex characters",
            await Refused(new ConsoleCommand.TrialLogs("../../etc/passwd")));
        Assert.StartsWith("trial_id = \"../../etc/passwd\":", await Refused(new ConsoleCommand.TrialShow("../../etc/passwd")));
        Assert.StartsWith("sweep_id = \"0123456789abcde\": must be a sweep id",
            await Refused(new ConsoleCommand.SweepStatus("0123456789abcde")));
        Assert.StartsWith("attempt = -1: must be at least 1",
            await Refused(new ConsoleCommand.TrialLogs(Lora.TrialId, -1)));
        Assert.StartsWith("plan.trials[1].trial_id = \"not-hex-at-all!!\": must be a trial id",
            await RefusedPlan(Plan(Lora, Lora with { TrialId = "not-hex-at-all!!" })));
        Assert.StartsWith("plan.trials[0].timeout_seconds = 0: must be more than 0 and at most 604800",
            await RefusedPlan(Plan(Lora with { TimeoutSeconds = 0 })));
        Assert.StartsWith("plan.trials[0].timeout_seconds = 315360000: must be more than 0 and at most 604800",
            await RefusedPlan(Plan(Lora with { TimeoutSeconds = 10 * 365 * 86400 })));
        Assert.StartsWith("plan.trials[0].max_attempts = -1: must be between 1 and 20",
            await RefusedPlan(Plan(Lora with { MaxAttempts = -1 })));
        Assert.StartsWith("plan.trials[0].spec.train_data = \"/zoo/../../etc/passwd\": must be an absolute, normalised path",
            await RefusedPlan(Plan(Lora with { Spec = Lora.Spec with { TrainData = "/zoo/../../etc/passwd" } })));
        Assert.StartsWith("plan.sweep_id = \"fedcba9876543210\": is not the hash of the plan's trial ids",
            await RefusedPlan(Plan(Lora) with { SweepId = "fedcba9876543210" }));
        Assert.StartsWith("name = \"../nightly\": use letters, digits", await Refused(new ConsoleCommand.ScheduleRunNow("../nightly")));
        // A command without a kind this node knows (the base record is what an unknown kind reads as).
        Assert.StartsWith("kind: is not a console command this node knows", await Refused(new ConsoleCommand()));

        // Each refusal is in the node's log with who sent it; a value cannot break a log line.
        Assert.Contains("Console command \"trial-logs\" from \"", node.Output);
        Assert.Contains("refused: trial_id = \"../../etc/passwd\": must be a trial id", node.Output);
        Assert.Contains("refused: plan.trials[0].timeout_seconds = 315360000", node.Output);

        // The node is fine: it still answers, and a well-formed plan is accepted and queued.
        Assert.False(node.HasExited, node.Output);
        var view = await console.Ask<ClusterView>(new ConsoleCommand.ClusterShow(), CancellationToken.None);
        Assert.Equal(node.Address, Assert.Single(view.Members).Address);
        var accepted = await console.SubmitPlan(Plan(Lora), null, CancellationToken.None);
        Assert.Equal(Plan(Lora).SweepId, accepted.SweepId);
        var status = await console.Ask<SweepStatus>(new ConsoleCommand.SweepStatus(accepted.SweepId), CancellationToken.None);
        Assert.Equal(1, status.Counts.Pending);

        // A plan bigger than one part travels in parts and is stored once, by its sweep id.
        var big = Plan([.. Enumerable.Range(1, 2 * ConsoleValidation.MaxPartTrials + 7).Select(i => Lora with { TrialId = $"{i:x16}" })]);
        var parts = new List<(int Sent, int Parts)>();
        accepted = await console.SubmitPlan(big, new Training.SyncProgress<(int Sent, int Parts)>(parts.Add), CancellationToken.None);
        Assert.Equal([(1, 3), (2, 3), (3, 3)], parts);
        Assert.True(accepted.New);
        Assert.Equal(big.Trials.Count, (await console.Ask<SweepStatus>(new ConsoleCommand.SweepStatus(big.SweepId), CancellationToken.None)).Counts.Pending);
        Assert.True(File.Exists(PlanStore.In(artifacts).PathOf(big.SweepId)));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(artifacts, PlanStore.Folder, "uploads")));
        Assert.Contains($"ran sweep-start {{\"upload\":", node.Output);
        Assert.Contains($"\"parts\":3,\"sweep_id\":\"{big.SweepId}\",\"name\":\"hand-made\"", node.Output);

        // Its results come back in pages (3 here), every row once, in plan order; a page too
        // big for one answer is refused, naming the field.
        var rows = (await console.Results(big.SweepId, CancellationToken.None)).Rows;
        Assert.Equal(big.Trials.Select(t => t.TrialId), rows.Select(r => r.TrialId));
        Assert.All(rows, r => Assert.Equal("pending", r.Status));
        Assert.Contains("limit = 100000: must be between 1 and",
            (await Assert.ThrowsAsync<ConsoleRefusedException>(() => console.Ask<SweepResults>(new ConsoleCommand.SweepResults(big.SweepId, 0, 100_000), CancellationToken.None))).Message);
    }
}
