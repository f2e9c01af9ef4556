using Cora.Actors.Control;
using Cora.Actors.Grids;
using Cora.Actors.Scheduling;
using Cora.Actors.Serialization;
using Cora.Actors.Tests.Grids;

namespace Cora.Actors.Tests.Control;

/// <summary>What the coordinator accepts from a console: everything the CLI sends, and nothing
/// a hand-made message could slip past it (bad ids, paths, bounds, names, specs).</summary>
public sealed class ConsoleValidationTests : IDisposable
{
    private readonly FakeZoo _zoo = new();

    public void Dispose() => _zoo.Dispose();

    private SweepPlan Planned(string grid) =>
        SweepPlanner.Plan(GridReader.Read(Path.Combine(Fixtures.Repository, "hocon", "grids", grid), _zoo.Environment), new ContentHashes(null));

    private static ConsoleViolation? Check(ConsoleCommand command, string user = "ana@gpu1") =>
        ConsoleValidation.Check(new ConsoleRequest("token", user, command));

    /// <summary>The smoke plan (lora, cora-fb × 2, cora-tb × 2, zeros-fb) with trial <paramref name="index"/> changed.</summary>
    private ConsoleViolation? CheckSmokeWith(Func<TrialPlan, TrialPlan> change, int index = 0)
    {
        var plan = Planned("smoke.conf");
        var trials = plan.Trials.ToArray();
        trials[index] = change(trials[index]);
        return ConsoleValidation.CheckPlan(plan with { Trials = trials });
    }

    private static void AssertRefused(ConsoleViolation? violation, string field, string fragment)
    {
        Assert.NotNull(violation);
        Assert.Equal(field, violation.Field);
        Assert.Contains(fragment, violation.Reason);
        Assert.DoesNotContain(violation.Reason, char.IsControl);
    }

    [Theory]
    [InlineData("smoke.conf")]
    [InlineData("paper.conf")]
    [InlineData("paper-reproduction.conf")]
    public void The_plans_of_the_shipped_grids_pass(string grid)
    {
        Assert.Null(ConsoleValidation.CheckPlan(Planned(grid)));
    }

    [Fact]
    public void The_other_commands_the_cli_sends_pass()
    {
        var plan = Planned("smoke.conf");
        var trial = plan.Trials[0].TrialId;
        ConsoleCommand[] commands =
        [
            new ConsoleCommand.ClusterShow(),
            new ConsoleCommand.ClusterLeave("akka.tcp://cora@10.0.0.3:4053"),
            new ConsoleCommand.ClusterDown("10.0.0.3:4053"),
            new ConsoleCommand.PlanPart("00112233aabbccdd", 0, plan.Trials),
            new ConsoleCommand.SweepStart("00112233aabbccdd", 1, plan.SweepId, plan.Name, plan.GridFile),
            new ConsoleCommand.SweepList(),
            new ConsoleCommand.SweepStatus(plan.SweepId),
            new ConsoleCommand.SweepResults(plan.SweepId),
            new ConsoleCommand.SweepCancel(plan.SweepId),
            new ConsoleCommand.SweepRetry(plan.SweepId, Failed: true),
            new ConsoleCommand.TrialShow(trial),
            new ConsoleCommand.TrialLogs(trial),
            new ConsoleCommand.TrialLogs(trial, Attempt: 2),
            new ConsoleCommand.ScheduleAdd(new AddSchedule("nightly", "0 2 * * *", "Europe/Paris", "/srv/cora/grids/paper.conf")),
            new ConsoleCommand.ScheduleList(),
            new ConsoleCommand.ScheduleRemove("nightly"),
            new ConsoleCommand.ScheduleRunNow("nightly"),
        ];
        Assert.All(commands, c => Assert.Null(Check(c)));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("0123456789abcde")]     // 15 characters
    [InlineData("0123456789abcdef0")]   // 17
    [InlineData("0123456789ABCDEF")]    // upper case: not what the planner makes
    [InlineData("0123456789abcdeg")]
    [InlineData("")]
    public void Trial_and_sweep_ids_are_16_lowercase_hex_characters(string id)
    {
        AssertRefused(Check(new ConsoleCommand.TrialShow(id)), "trial_id", $"trial_id = \"{id}\": must be a trial id: 16 lowercase hex characters");
        AssertRefused(Check(new ConsoleCommand.TrialLogs(id)), "trial_id", "16 lowercase hex characters");
        AssertRefused(Check(new ConsoleCommand.SweepRetry(id)), "sweep_id", $"sweep_id = \"{id}\": must be a sweep id");
    }

    [Fact]
    public void A_command_without_the_id_it_needs_names_the_field()
    {
        // As a hand-made message arrives: JSON with the field left out.
        AssertRefused(Check(Wire("""{"kind":"sweep-status"}""")), "sweep_id", "sweep_id = null: must be a sweep id");
        AssertRefused(Check(Wire("""{"kind":"sweep-start","upload":"00112233aabbccdd","parts":1,"name":"x","grid_file":"/g.conf"}""")), "sweep_id", "sweep_id = null");
        AssertRefused(Check(Wire("""{"kind":"plan-part","upload":"00112233aabbccdd","part":0}""")), "trials", "trials = null: must hold 1 to 500 trials");
        AssertRefused(Check(Wire("""{"kind":"schedule-add"}""")), "schedule", "schedule: is missing");
        AssertRefused(Check(Wire("""{"kind":"cluster-down"}""")), "address", "address: is missing");
    }

    /// <summary>A command as the command host reads it off the wire.</summary>
    private static ConsoleCommand Wire(string command) =>
        ((ConsoleRequest)CoraJsonSerializer.Read(System.Text.Encoding.UTF8.GetBytes($$"""{"token":"t","user":"u","command":{{command}}}"""), "console-request")).Command;

    [Fact]
    public void An_upload_is_bounded_in_parts_and_trials()
    {
        var plan = Planned("smoke.conf");
        AssertRefused(Check(new ConsoleCommand.PlanPart("00112233aabbccdd", ConsoleValidation.MaxParts, plan.Trials)), "part", "must be between 0 and 199");
        AssertRefused(Check(new ConsoleCommand.PlanPart("../../tmp/xxxxxx", 0, plan.Trials)), "upload", "must be an upload id");
        AssertRefused(Check(new ConsoleCommand.PlanPart("00112233aabbccdd", 0, [.. Enumerable.Repeat(plan.Trials[0], ConsoleValidation.MaxPartTrials + 1)])),
            "trials", "must hold 1 to 500 trials");
        AssertRefused(Check(new ConsoleCommand.SweepStart("00112233aabbccdd", 0, plan.SweepId, plan.Name, plan.GridFile)), "parts", "must be between 1 and 200");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void A_log_attempt_below_1_is_refused(int attempt)
    {
        AssertRefused(Check(new ConsoleCommand.TrialLogs("0123456789abcdef", attempt)), "attempt", $"attempt = {attempt}: must be at least 1");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-60.0)]
    [InlineData(10 * 365 * 86400.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Trial_timeouts_are_positive_and_at_most_a_week(double seconds)
    {
        AssertRefused(CheckSmokeWith(t => t with { TimeoutSeconds = seconds }, index: 2), "plan.trials[2].timeout_seconds", "must be more than 0 and at most 604800 (7 days)");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(21)]
    public void Max_attempts_and_abandons_are_between_1_and_20(int attempts)
    {
        AssertRefused(CheckSmokeWith(t => t with { MaxAttempts = attempts }), "plan.trials[0].max_attempts", $"max_attempts = {attempts}: must be between 1 and 20");
        AssertRefused(CheckSmokeWith(t => t with { MaxAbandons = attempts }), "plan.trials[0].max_abandons", $"max_abandons = {attempts}: must be between 1 and 20");
    }

    [Fact]
    public void A_planned_trial_id_that_is_not_hex_is_refused_before_it_names_a_directory()
    {
        AssertRefused(CheckSmokeWith(t => t with { TrialId = "../../../tmp/xx" }, index: 1), "plan.trials[1].trial_id", "\"../../../tmp/xx\"");
        AssertRefused(CheckSmokeWith(t => t with { Basis = t.Basis! with { BasisId = "../../bases/x" } }, index: 1), "plan.trials[1].basis.basis_id", "must be a basis id");
    }

    [Theory]
    [InlineData("zoo/base", "is not absolute")]
    [InlineData("/zoo/../etc/shadow", "has a .. segment")]
    [InlineData("/zoo/./base", "has a . segment")]
    [InlineData("/zoo//base", "doubles a separator")]
    [InlineData("/zoo/ba\nse", "holds a line break")]
    public void Paths_are_absolute_and_normalised(string path, string why)
    {
        var violation = CheckSmokeWith(t => t with { Spec = t.Spec with { BaseModel = path } });
        Assert.True(violation?.Field == "plan.trials[0].spec.base", $"{path} ({why}): {violation?.Reason ?? "accepted"}");
        AssertRefused(CheckSmokeWith(t => t with { Basis = t.Basis! with { Sources = [.. t.Basis!.Sources.Skip(1), path] } }, index: 1),
            "plan.trials[1].basis.sources[1]", "must");
        AssertRefused(Check(new ConsoleCommand.ScheduleAdd(new AddSchedule("nightly", "0 2 * * *", "UTC", path))), "schedule.grid", "must");
    }

    [Fact]
    public void The_basis_file_of_a_spec_is_the_trainers_to_fill_in()
    {
        AssertRefused(CheckSmokeWith(t => t with { Spec = t.Spec with { Basis = "/etc/passwd" } }, index: 1), "plan.trials[1].spec.basis", "the trainer fills in the basis file");
    }

    [Fact]
    public void A_plan_is_named_by_its_trials()
    {
        var plan = Planned("smoke.conf");
        var other = Planned("paper.conf");
        AssertRefused(ConsoleValidation.CheckPlan(plan with { SweepId = other.SweepId }),
            "plan.sweep_id", $"is not the hash of the plan's trial ids ({plan.SweepId})");
        AssertRefused(ConsoleValidation.CheckPlan(plan with { Trials = [plan.Trials[0], plan.Trials[1], plan.Trials[0]] }),
            "plan.trials[2].trial_id", "repeats plan.trials[0].trial_id");
        AssertRefused(ConsoleValidation.CheckPlan(plan with { Trials = [] }), "plan.trials", "must hold 1 to 100000 trials");
    }

    [Fact]
    public void A_trial_must_agree_with_its_method_metrics_and_spec()
    {
        AssertRefused(CheckSmokeWith(t => t with { Method = "dora" }), "plan.trials[0].method", "unknown method \"dora\"");
        AssertRefused(CheckSmokeWith(t => t with { Basis = null }, index: 1), "plan.trials[1].basis", "method cora-fb needs a basis");
        AssertRefused(CheckSmokeWith(t => t with { Sources = 5 }, index: 1), "plan.trials[1].sources", "must be the basis' source count (2)");
        AssertRefused(CheckSmokeWith(t => t with { Metrics = ["rouge", "perplexity"] }), "plan.trials[0].metrics[1]", "\"perplexity\": is not one of");
        AssertRefused(CheckSmokeWith(t => t with { Spec = t.Spec with { Method = "pissa" } }), "plan.trials[0].spec.method", "must be the trial's method (lora)");
        AssertRefused(CheckSmokeWith(t => t with { Spec = t.Spec with { Device = "tpu" } }), "plan.trials[0].spec.device", "is not cpu, cuda or cuda:N");
        AssertRefused(CheckSmokeWith(t => t with { Spec = t.Spec with { Training = t.Spec.Training with { LearningRate = -1 } } }),
            "plan.trials[0].spec", "learning_rate must be positive");
        AssertRefused(CheckSmokeWith(t => t with { Spec = t.Spec with { LoraDropout = 1.5 } }), "plan.trials[0].spec", "lora_dropout must be in [0, 1)");
    }

    [Fact]
    public void Names_and_text_that_would_forge_log_lines_are_refused_and_shown_escaped()
    {
        var plan = Planned("smoke.conf");
        AssertRefused(ConsoleValidation.CheckPlan(plan with { Name = "smoke\n[WARNING] forged" }),
            "plan.name", "plan.name = \"smoke\\n[WARNING] forged\": must not hold control characters");
        AssertRefused(Check(new ConsoleCommand.ClusterShow(), user: "eve\r\nroot@host"), "user", "must not hold control characters");
        AssertRefused(Check(new ConsoleCommand.ClusterLeave("10.0.0.3:4053\n")), "address", "must not hold control characters");
        AssertRefused(Check(Wire("""{"kind":"sweep-delete-all"}""")), "kind", "kind: is not a console command this node knows (cluster-show, ");
        Assert.Equal("\"a\\u001B[2Jb\"", ConsoleValidation.Shown("a\u001b[2Jb"));
        Assert.Equal($"\"{new string('x', 80)}…\"", ConsoleValidation.Shown(new string('x', 500)));
    }

    [Theory]
    [InlineData("../nightly")]
    [InlineData("nightly\n")]
    [InlineData("-nightly")]
    [InlineData("")]
    public void Schedule_names_are_short_identifiers(string name)
    {
        AssertRefused(Check(new ConsoleCommand.ScheduleRemove(name)), "name", "use letters, digits");
        AssertRefused(Check(new ConsoleCommand.ScheduleAdd(new AddSchedule(name, "0 2 * * *", "UTC", "/grids/a.conf"))), "schedule.name", "use letters, digits");
    }
}
