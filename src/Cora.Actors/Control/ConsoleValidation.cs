using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cora.Actors.Grids;
using Cora.Actors.Scheduling;
using Cora.Training;
using Cora.Training.Basis;
using Cora.Training.Lora;
using MetricNames = Cora.Training.Scoring.Evaluation;
using Cora.Training.Scoring.BertScore;
using Cora.Training.Model;
using Cora.Training.Trials;

namespace Cora.Actors.Control;

/// <summary>
/// The coordinator side's own check of everything a console sends. The `cora` CLI plans and
/// checks before it sends, but anything that holds the token can send any message, so nothing is
/// taken on trust: ids are ids (<see cref="SweepPlanner.IdLength"/> lowercase hex characters), a
/// plan's sweep id is the hash of its trials' ids, paths are absolute and normalised, timeouts, attempts and
/// abandons are bounded as <see cref="GridReader"/> bounds them, names and free text carry no
/// control characters (they go into logs), and every trial spec passes the checks a trial runs.
/// </summary>
/// <remarks>
/// Artifact-store paths are only ever made from ids (<c>trials/ID/attempt-N</c>,
/// <c>bases/ID.safetensors</c>; <see cref="TrialPlan.DirectoryIn"/>, <see cref="BasisPlan.PathIn"/>),
/// and a trial spec's basis file is filled in by the trainer, so the id rule is what keeps every
/// store path inside the store. The other paths (base model, data, source models, grid file,
/// BERTScore model) name shared storage that trial processes read; they must be absolute, since
/// a relative path would be read relative to whichever node runs the trial.
/// A check never throws on a malformed message (nulls where the protocol has none included): it
/// reports the first violation, naming the field by its JSON path and quoting the bad value.
/// </remarks>
public static class ConsoleValidation
{
    /// <summary>Longest free text (a sweep or dataset name, a user, a cron expression) accepted.</summary>
    public const int MaxText = 200;

    /// <summary>Longest path accepted (Linux PATH_MAX).</summary>
    public const int MaxPath = 4096;

    /// <summary>Most trials one plan may hold (the paper's grid has 414).</summary>
    public const int MaxTrials = 100_000;

    /// <summary>Most trials one part of a plan upload may hold: about 0.6 MB on the wire, far
    /// under the remoting frame limit.</summary>
    public const int MaxPartTrials = 500;

    /// <summary>Most result rows one answer may hold: a row is a few hundred bytes (a failure
    /// reason at most a few kB), so a page stays far under the remoting frame limit.</summary>
    public const int MaxResultRows = 500;

    /// <summary>Most parts one upload may have (a plan of <see cref="MaxTrials"/> in full parts).</summary>
    public const int MaxParts = MaxTrials / MaxPartTrials;

    /// <summary>The first thing wrong with the request (after its token was checked), or null.</summary>
    public static ConsoleViolation? Check(ConsoleRequest request) => Violations(request).OfType<ConsoleViolation>().FirstOrDefault();

    /// <summary>Whether <paramref name="value"/> is a sweep, trial or basis id.</summary>
    public static bool IsId(string? value) =>
        value is { Length: SweepPlanner.IdLength } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>A value as a log line or a reason may show it: a JSON string literal (control
    /// characters escaped, so a value cannot forge log lines), cut after 80 characters.</summary>
    public static string Shown(string? value)
    {
        if (value is null) return "null";
        var cut = value.Length > 80 ? value[..80] + "…" : value;
        return JsonSerializer.Serialize(cut, ShownOptions);
    }

    private static readonly JsonSerializerOptions ShownOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static IEnumerable<ConsoleViolation?> Violations(ConsoleRequest request)
    {
        yield return Text("user", request.User);
        if (request.Command is not { } command)
        {
            yield return Missing("command");
            yield break;
        }
        switch (command)
        {
            case ConsoleCommand.ClusterShow or ConsoleCommand.SweepList or ConsoleCommand.ScheduleList:
                break;
            case ConsoleCommand.ClusterLeave leave:
                yield return Text("address", leave.Address);
                break;
            case ConsoleCommand.ClusterDown down:
                yield return Text("address", down.Address);
                break;
            case ConsoleCommand.PlanPart part:
                yield return Id("upload", part.Upload, "an upload");
                if (part.Part is < 0 or >= MaxParts) yield return new("part", Number(part.Part), $"must be between 0 and {Number(MaxParts - 1)}");
                if (part.Trials is not { Count: > 0 and <= MaxPartTrials })
                    yield return new("trials", part.Trials is null ? "null" : Number(part.Trials.Count) + " trials", $"must hold 1 to {Number(MaxPartTrials)} trials");
                break;
            case ConsoleCommand.SweepStart start:
                // The trials are checked when the parts are put together (CheckPlan).
                yield return Id("upload", start.Upload, "an upload");
                if (start.Parts is < 1 or > MaxParts) yield return new("parts", Number(start.Parts), $"must be between 1 and {Number(MaxParts)}");
                yield return Id("sweep_id", start.SweepId, "a sweep");
                yield return Text("name", start.Name);
                yield return FullPath("grid_file", start.GridFile);
                break;
            case ConsoleCommand.SweepStatus status:
                yield return Id("sweep_id", status.SweepId, "a sweep");
                break;
            case ConsoleCommand.SweepResults results:
                yield return Id("sweep_id", results.SweepId, "a sweep");
                if (results.Offset < 0) yield return new("offset", Number(results.Offset), "must be ≥ 0");
                if (results.Limit is < 1 or > MaxResultRows) yield return new("limit", Number(results.Limit.Value), $"must be between 1 and {Number(MaxResultRows)}");
                break;
            case ConsoleCommand.SweepCancel cancel:
                yield return Id("sweep_id", cancel.SweepId, "a sweep");
                break;
            case ConsoleCommand.SweepRetry retry:
                yield return Id("sweep_id", retry.SweepId, "a sweep");
                break;
            case ConsoleCommand.TrialShow show:
                yield return Id("trial_id", show.TrialId, "a trial");
                break;
            case ConsoleCommand.TrialLogs logs:
                yield return Id("trial_id", logs.TrialId, "a trial");
                // The upper bound is the trial's own attempt count, which CommandHost checks.
                if (logs.Attempt is < 1) yield return new("attempt", Number(logs.Attempt.Value), "must be at least 1 (or absent: the latest attempt)");
                break;
            case ConsoleCommand.ScheduleAdd add:
                foreach (var violation in Schedule(add.Schedule)) yield return violation;
                break;
            case ConsoleCommand.ScheduleRemove remove:
                yield return ScheduleName("name", remove.Name);
                break;
            case ConsoleCommand.ScheduleRunNow run:
                yield return ScheduleName("name", run.Name);
                break;
            default:
                yield return new("kind", null, $"is not a console command this node knows ({string.Join(", ", ConsoleCommand.Kinds)})");
                break;
        }
    }

    /// <summary>The first thing wrong with a plan a console uploaded, or null.</summary>
    public static ConsoleViolation? CheckPlan(SweepPlan plan) => Plan(plan).OfType<ConsoleViolation>().FirstOrDefault();

    private static IEnumerable<ConsoleViolation?> Schedule(AddSchedule? schedule)
    {
        if (schedule is null)
        {
            yield return Missing("schedule");
            yield break;
        }
        yield return ScheduleName("schedule.name", schedule.Name);
        // What the cron expression and the zone mean is the scheduler's to judge (it names the
        // bad one); here only that they are text.
        yield return Text("schedule.cron", schedule.Cron);
        yield return Text("schedule.time_zone", schedule.TimeZone);
        yield return FullPath("schedule.grid", schedule.Grid);
    }

    private static IEnumerable<ConsoleViolation?> Plan(SweepPlan? plan)
    {
        if (plan is null)
        {
            yield return Missing("plan");
            yield break;
        }
        yield return Id("plan.sweep_id", plan.SweepId, "a sweep");
        yield return Text("plan.name", plan.Name);
        yield return FullPath("plan.grid_file", plan.GridFile);
        if (plan.Trials is not { Count: > 0 and <= MaxTrials } trials)
        {
            yield return new("plan.trials", plan.Trials is null ? "null" : Number(plan.Trials.Count) + " trials", $"must hold 1 to {Number(MaxTrials)} trials");
            yield break;
        }
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < trials.Count; i++)
        {
            var field = $"plan.trials[{i}]";
            if (trials[i] is not { } trial)
            {
                yield return Missing(field);
                yield break;
            }
            foreach (var violation in Trial(field, trial)) yield return violation;
            if (!seen.TryAdd(trial.TrialId, i)) yield return new($"{field}.trial_id", Shown(trial.TrialId), $"repeats plan.trials[{seen[trial.TrialId]}].trial_id");
        }
        // The planner names a sweep by its trials: a plan that does not could pass itself off as
        // another sweep (an existing id with other trials).
        var expected = SweepPlanner.SweepIdOf(trials.Select(t => t.TrialId));
        if (plan.SweepId != expected) yield return new("plan.sweep_id", Shown(plan.SweepId), $"is not the hash of the plan's trial ids ({expected})");
    }

    private static IEnumerable<ConsoleViolation?> Trial(string field, TrialPlan trial)
    {
        yield return Id($"{field}.trial_id", trial.TrialId, "a trial");
        LoraMethod? method = null;
        var methodProblem = Parsed($"{field}.method", trial.Method, name => method = LoraMethods.Parse(name));
        yield return methodProblem;
        if (methodProblem is not null) yield break;
        yield return Text($"{field}.dataset", trial.Dataset);
        if (trial.Rank < 0) yield return new($"{field}.rank", Number(trial.Rank), "must be ≥ 0");
        if (trial.AInit is not null) yield return Parsed($"{field}.a_init", trial.AInit, name => AInits.Parse(name));
        if (!double.IsFinite(trial.TimeoutSeconds) || trial.TimeoutSeconds <= 0 || trial.TimeoutSeconds > TrialPlan.MaxTimeout.TotalSeconds)
            yield return new($"{field}.timeout_seconds", Number(trial.TimeoutSeconds), $"must be more than 0 and at most {Number(TrialPlan.MaxTimeout.TotalSeconds)} ({TrialPlan.MaxTimeout.TotalDays:F0} days)");
        if (trial.MaxAttempts is < 1 or > TrialPlan.AttemptsLimit)
            yield return new($"{field}.max_attempts", Number(trial.MaxAttempts), $"must be between 1 and {TrialPlan.AttemptsLimit}");
        if (trial.MaxAbandons is < 1 or > TrialPlan.AttemptsLimit)
            yield return new($"{field}.max_abandons", Number(trial.MaxAbandons), $"must be between 1 and {TrialPlan.AttemptsLimit}");

        var needsBasis = method!.Value.NeedsBasis();
        if (needsBasis && trial.Basis is null) yield return new($"{field}.basis", "null", $"method {trial.Method} needs a basis");
        if (!needsBasis && trial.Basis is not null) yield return new($"{field}.basis", Shown(trial.Basis.BasisId), $"method {trial.Method} uses no basis");
        if (trial.Basis is { } basis)
        {
            foreach (var violation in Basis($"{field}.basis", basis)) yield return violation;
        }
        var sources = trial.Basis?.Sources?.Count ?? 0;
        if (trial.Sources != sources) yield return new($"{field}.sources", Number(trial.Sources), $"must be the basis' source count ({sources})");

        if (trial.Metrics is null)
        {
            yield return Missing($"{field}.metrics");
        }
        else
        {
            for (var m = 0; m < trial.Metrics.Count; m++)
            {
                if (trial.Metrics[m] is not { } metric || !MetricNames.Available.Contains(metric))
                    yield return new($"{field}.metrics[{m}]", Shown(trial.Metrics[m]), $"is not one of {string.Join(", ", MetricNames.Available)}");
            }
            var bert = trial.Metrics.Contains(MetricNames.BertScoreName);
            if (bert && trial.BertScore is null) yield return new($"{field}.bertscore", "null", "metrics ask for bertscore: its settings are missing");
            if (!bert && trial.BertScore is not null) yield return new($"{field}.bertscore", Shown(trial.BertScore.Model), "given, but metrics do not ask for bertscore");
        }
        if (trial.BertScore is { } bertScore)
        {
            foreach (var violation in BertScore($"{field}.bertscore", bertScore)) yield return violation;
        }

        if (trial.Spec is not { } spec)
        {
            yield return Missing($"{field}.spec");
            yield break;
        }
        foreach (var violation in Spec($"{field}.spec", spec, trial)) yield return violation;
    }

    private static IEnumerable<ConsoleViolation?> Basis(string field, BasisPlan basis)
    {
        yield return Id($"{field}.basis_id", basis.BasisId, "a basis");
        if (basis.Sources is not { Count: > 0 } sources)
        {
            yield return new($"{field}.sources", basis.Sources is null ? "null" : "[]", "must name at least one source model");
        }
        else
        {
            for (var i = 0; i < sources.Count; i++) yield return FullPath($"{field}.sources[{i}]", sources[i]);
        }
        if (basis.MaxRank < 1) yield return new($"{field}.max_rank", Number(basis.MaxRank), "must be at least 1");
        yield return Parsed($"{field}.mode", basis.Mode, name => BasisModes.Parse(name));
        yield return Parsed($"{field}.method", basis.Method, name => BasisMethods.Parse(name));
    }

    private static IEnumerable<ConsoleViolation?> BertScore(string field, BertScoreOptions options)
    {
        yield return FullPath($"{field}.model", options.Model);
        if (options.Baseline is not null) yield return FullPath($"{field}.baseline", options.Baseline);
        if (options.Layer is < 0) yield return new($"{field}.layer", Number(options.Layer.Value), "must be ≥ 0");
        if (options.BatchSize < 1) yield return new($"{field}.batch_size", Number(options.BatchSize), "must be at least 1");
        yield return Device($"{field}.device", options.Device);
    }

    private static IEnumerable<ConsoleViolation?> Spec(string field, TrialSpec spec, TrialPlan trial)
    {
        yield return FullPath($"{field}.base", spec.BaseModel);
        yield return FullPath($"{field}.train_data", spec.TrainData);
        yield return FullPath($"{field}.eval_data", spec.EvalData);
        if (spec.Method != trial.Method) yield return new($"{field}.method", Shown(spec.Method), $"must be the trial's method ({trial.Method})");
        // The trainer sets the basis file (in the artifact store) itself.
        if (spec.Basis is not null) yield return new($"{field}.basis", Shown(spec.Basis), "must be absent: the trainer fills in the basis file");
        yield return Device($"{field}.device", spec.Device);
        if (spec.TargetModules is null) yield return Missing($"{field}.target_modules");
        else if (spec.Training is null) yield return Missing($"{field}.training");
        else if (spec.AInit is null) yield return Missing($"{field}.a_init");
        else
        {
            // The checks a trial runs before it trains (TrialSpec.Validated), with the basis as
            // the trainer will give it: present exactly when the method needs one.
            string? problem = null;
            try
            {
                (spec with { Basis = trial.Basis?.BasisId }).Validated();
            }
            catch (InvalidInputException e)
            {
                problem = e.Message;
            }
            if (problem is not null) yield return new(field, null, problem);
        }
    }

    private static ConsoleViolation? Device(string field, string? device) =>
        device is not null && Placement.IsDeviceName(device) ? null : new(field, Shown(device), "is not cpu, cuda or cuda:N");

    /// <param name="what">What kind of id, with its article: "a sweep", "an upload".</param>
    private static ConsoleViolation? Id(string field, string? value, string what) =>
        IsId(value) ? null : new(field, Shown(value), $"must be {what} id: {SweepPlanner.IdLength} lowercase hex characters");

    private static ConsoleViolation? ScheduleName(string field, string? value) =>
        CronSchedule.IsName(value) ? null : new(field, Shown(value), CronSchedule.NameRule);

    private static ConsoleViolation? Text(string field, string? value) => value switch
    {
        null or "" => Missing(field),
        { Length: > MaxText } => new(field, Shown(value), $"is longer than {MaxText} characters"),
        { } text when text.Any(char.IsControl) => new(field, Shown(value), "must not hold control characters (line breaks, tabs, …)"),
        _ => null,
    };

    /// <summary>An absolute, normalised path (no <c>.</c> or <c>..</c> segments, no doubled
    /// separators), as the planner writes them.</summary>
    private static ConsoleViolation? FullPath(string field, string? value) => value switch
    {
        null or "" => Missing(field),
        { Length: > MaxPath } => new(field, Shown(value), $"is longer than {MaxPath} characters"),
        { } path when path.Any(char.IsControl) => new(field, Shown(value), "must not hold control characters"),
        { } path when !Path.IsPathFullyQualified(path) || Path.GetFullPath(path) != path =>
            new(field, Shown(value), "must be an absolute, normalised path (no . or .. segments) on storage the nodes share"),
        _ => null,
    };

    /// <summary>Runs a parser that throws <see cref="InvalidInputException"/> (naming the valid values) on a bad name.</summary>
    private static ConsoleViolation? Parsed(string field, string? value, Action<string> parse)
    {
        if (value is null) return Missing(field);
        try
        {
            parse(value);
            return null;
        }
        catch (InvalidInputException e)
        {
            return new(field, Shown(value), e.Message);
        }
    }

    private static ConsoleViolation Missing(string field) => new(field, null, "is missing");

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
