using System.Text.Json;
using Cora.Actors.Grids;

namespace Cora.Actors.Coordinator;

/// <summary>
/// The coordinator's state and its rules, free of Akka: commands go in, the events to journal come
/// out (null or empty: nothing to record), and <see cref="Apply"/> is the only thing that changes
/// state — live or during replay, so recovery rebuilds exactly what was there.
/// </summary>
/// <remarks>
/// The rules that keep a sweep honest: a trial is known by its content id, so a resubmitted or
/// overlapping grid never runs a finished trial again; only a pending trial is assigned, so one
/// config never runs twice in parallel; the first result wins and later ones are counted and
/// dropped; a failure of an attempt that is no longer current changes nothing; a deterministic
/// failure is final, other failures retry until <c>max_attempts</c>; an attempt lost with its
/// trainer or failed by its node is abandoned, not failed, avoids that node next time, and retries
/// until <c>max_abandons</c>.
/// </remarks>
/// <para>Sweep plans live in the plan store (<see cref="PlanStore"/>): the book journals and
/// snapshots references to them and reads a plan through <c>plans</c> when a
/// <see cref="SweepStored"/> is applied. Running trials are indexed, so handing out a trial costs
/// the same in a sweep of a thousand trials as in one of a hundred thousand.</para>
public sealed class SweepBook(Func<PlanRef, SweepPlan> plans)
{
    private readonly Dictionary<string, SweepPlan> _sweeps = new(StringComparer.Ordinal);
    /// <summary>The store references of sweeps submitted since the plan store (not the older inline ones).</summary>
    private readonly Dictionary<string, PlanRef> _stored = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TrialRecord> _running = new(StringComparer.Ordinal);
    private readonly List<string> _sweepOrder = [];
    private readonly Dictionary<string, TrialRecord> _trials = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, string> _pending = [];
    private readonly HashSet<string> _cancelled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _sweepsOfTrial = new(StringComparer.Ordinal);
    private long _nextOrder;

    public IReadOnlyCollection<string> SweepIds => _sweepOrder;

    public SweepPlan? Sweep(string sweepId) => _sweeps.GetValueOrDefault(sweepId);

    public TrialRecord? Trial(string trialId) => _trials.GetValueOrDefault(trialId);

    public IEnumerable<TrialRecord> Running => _running.Values;

    /// <summary>Distinct trials known, over every sweep.</summary>
    public int TrialCount => _trials.Count;

    /// <summary>Whether some pending trial may be handed out (not only trials of cancelled sweeps).</summary>
    public bool HasPending => _pending.Values.Any(Live);

    /// <summary>A trial is live while at least one of its sweeps is not cancelled.</summary>
    private bool Live(string trialId) => _sweepsOfTrial[trialId].Any(s => !_cancelled.Contains(s));

    public bool IsCancelled(string sweepId) => _cancelled.Contains(sweepId);

    public bool Knows(string sweepId) => _sweeps.ContainsKey(sweepId);

    public SweepStored? Submit(PlanRef plan, DateTimeOffset now) =>
        _sweeps.ContainsKey(plan.SweepId) ? null : new SweepStored(plan, now);

    /// <summary>The oldest pending trial for this trainer slot, or null when nothing is pending
    /// for it. A trial skips a node that failed it (a node fault) while some other node among
    /// <paramref name="trainerNodes"/> has not; when every one has, any may try again.</summary>
    public TrialAssigned? Assign(string trainer, string node, int slot, DateTimeOffset now, IReadOnlyCollection<string>? trainerNodes = null)
    {
        var next = _pending.Values.Where(Live).Select(id => _trials[id]).FirstOrDefault(t =>
            !t.FaultedNodes.Contains(node) || (trainerNodes ?? [node]).All(t.FaultedNodes.Contains));
        return next is null ? null : new TrialAssigned(next.Plan.TrialId, next.Attempt + 1, trainer, node, slot, now);
    }

    /// <summary>The event that records a result, or null when there is nothing to record: the
    /// trial is unknown, or this is a re-sent copy of the result already recorded.</summary>
    public ICoordinatorEvent? Succeed(string trialId, int attempt, IReadOnlyDictionary<string, JsonElement> metrics, string outputDir, DateTimeOffset now)
    {
        if (!_trials.TryGetValue(trialId, out var trial)) return null;
        if (trial.State != TrialState.Succeeded) return new TrialSucceeded(trialId, attempt, metrics, outputDir, now);
        return trial.SucceededAttempt == attempt ? null : new DuplicateResultDropped(trialId, attempt, now);
    }

    public TrialAttemptFailed? Fail(string trialId, int attempt, string reason, bool deterministic, DateTimeOffset now) =>
        IsCurrent(trialId, attempt) ? new TrialAttemptFailed(trialId, attempt, reason, deterministic, now) : null;

    /// <summary>Puts a running attempt back to pending without counting it (declined, cancelled).</summary>
    public TrialRequeued? Requeue(string trialId, int attempt, string reason, DateTimeOffset now) =>
        IsCurrent(trialId, attempt) ? new TrialRequeued(trialId, attempt, reason, now) : null;

    /// <summary>An attempt was lost (its trainer stopped or restarted, its lease lapsed) or its node
    /// failed it (<paramref name="nodeFault"/>): requeued, and counted toward max-abandons.</summary>
    public TrialRequeued? Abandon(string trialId, int attempt, string reason, bool nodeFault, DateTimeOffset now) =>
        IsCurrent(trialId, attempt) ? new TrialRequeued(trialId, attempt, reason, now, Counted: true, NodeFault: nodeFault) : null;

    /// <summary>Abandons every trial running on <paramref name="trainer"/> (it stopped, restarted or its node left).</summary>
    public IReadOnlyList<TrialRequeued> AbandonTrainer(string trainer, string reason, DateTimeOffset now) =>
        Running.Where(t => t.Trainer == trainer).Select(t => Abandon(t.Plan.TrialId, t.Attempt, reason, nodeFault: false, now)!).ToList();

    /// <summary>Whether <paramref name="attempt"/> is the trial's running attempt.</summary>
    public bool IsRunning(string trialId, int attempt) => IsCurrent(trialId, attempt);

    /// <summary>Cancels a live sweep; the running attempts it alone wants are then requeued by the caller.</summary>
    public SweepCancelled? Cancel(string sweepId, DateTimeOffset now) =>
        _sweeps.ContainsKey(sweepId) && !_cancelled.Contains(sweepId) ? new SweepCancelled(sweepId, now) : null;

    /// <summary>Running trials no live sweep wants any more (after a cancellation).</summary>
    public IReadOnlyList<TrialRecord> Orphaned() => Running.Where(t => !Live(t.Plan.TrialId)).ToList();

    public SweepRetried? Retry(string sweepId, bool failed, DateTimeOffset now) =>
        _sweeps.ContainsKey(sweepId)
            ? new SweepRetried(sweepId, failed ? TrialsOf(sweepId).Where(t => t.State == TrialState.Failed).Select(t => t.Plan.TrialId).ToList() : [], now)
            : null;

    private bool IsCurrent(string trialId, int attempt) =>
        _trials.TryGetValue(trialId, out var trial) && trial.State == TrialState.Running && trial.Attempt == attempt;

    public void Apply(ICoordinatorEvent e)
    {
        switch (e)
        {
            case SweepStored s:
                _stored[s.Plan.SweepId] = s.Plan;
                Add(plans(s.Plan));
                break;
            case SweepSubmitted s:
                Add(s.Plan);
                break;
            case TrialAssigned a:
            {
                var trial = _trials[a.TrialId];
                _pending.Remove(trial.Order);
                _running[a.TrialId] = trial;
                trial.State = TrialState.Running;
                trial.Attempt = a.Attempt;
                trial.Trainer = a.Trainer;
                trial.Node = a.Node;
                trial.Slot = a.Slot;
                break;
            }
            case TrialSucceeded s:
            {
                var trial = _trials[s.TrialId];
                _pending.Remove(trial.Order);
                _running.Remove(s.TrialId);
                trial.State = TrialState.Succeeded;
                trial.SucceededAttempt = s.Attempt;
                trial.Metrics = s.Metrics;
                trial.OutputDir = s.OutputDir;
                trial.FailureReason = null;
                break;
            }
            case TrialAttemptFailed f:
            {
                var trial = _trials[f.TrialId];
                _running.Remove(f.TrialId);
                trial.FailedAttempts++;
                trial.History.Add(new AttemptRecord(f.Attempt, trial.Node ?? "", "failed", f.Reason, f.At));
                trial.FailureReason = f.Reason;
                if (f.Deterministic || trial.FailedAttempts >= trial.Plan.MaxAttempts)
                {
                    trial.State = TrialState.Failed;
                }
                else
                {
                    trial.State = TrialState.Pending;
                    _pending[trial.Order] = trial.Plan.TrialId;
                }
                break;
            }
            case TrialRequeued r:
            {
                var trial = _trials[r.TrialId];
                _running.Remove(r.TrialId);
                if (!r.Declined) trial.History.Add(new AttemptRecord(r.Attempt, trial.Node ?? "", "abandoned", r.Reason, r.At));
                if (r.NodeFault && trial.Node is { } node) trial.FaultedNodes.Add(node);
                if (r.Counted) trial.Abandons++;
                if (r.Counted && trial.Abandons >= trial.Plan.MaxAbandons)
                {
                    trial.State = TrialState.Failed;
                    trial.FailureReason = $"abandoned {trial.Abandons} times (trials.max-abandons = {trial.Plan.MaxAbandons}); the last: {r.Reason}";
                    break;
                }
                trial.State = TrialState.Pending;
                _pending[trial.Order] = trial.Plan.TrialId;
                break;
            }
            case DuplicateResultDropped d:
                _trials[d.TrialId].DuplicatesDropped++;
                break;
            case SweepCancelled c:
                _cancelled.Add(c.SweepId);
                break;
            case SweepRetried r:
                _cancelled.Remove(r.SweepId);
                foreach (var id in r.FailedTrials)
                {
                    var trial = _trials[id];
                    if (trial.State != TrialState.Failed) continue;
                    trial.State = TrialState.Pending;
                    trial.FailedAttempts = 0;
                    trial.Abandons = 0;
                    trial.FailureReason = null;
                    _pending[trial.Order] = id;
                }
                break;
            default:
                throw new ArgumentException($"unknown coordinator event {e.GetType().Name}", nameof(e));
        }
    }

    private void Add(SweepPlan sweep)
    {
        _sweeps[sweep.SweepId] = sweep;
        _sweepOrder.Add(sweep.SweepId);
        foreach (var plan in sweep.Trials)
        {
            if (!_sweepsOfTrial.TryGetValue(plan.TrialId, out var owners)) _sweepsOfTrial[plan.TrialId] = owners = [];
            owners.Add(sweep.SweepId);
            if (_trials.ContainsKey(plan.TrialId)) continue;
            var record = new TrialRecord(plan, _nextOrder++);
            _trials[plan.TrialId] = record;
            _pending[record.Order] = plan.TrialId;
        }
    }

    /// <summary>The book's state; sweeps by their plan-store references (the plans journaled whole
    /// before the store existed stay inline).</summary>
    public CoordinatorSnapshot Snapshot() => new(
        _sweepOrder.Where(id => !_stored.ContainsKey(id)).Select(id => _sweeps[id]).ToList(),
        _trials.Values.OrderBy(t => t.Order).Select(TrialSnapshotOf).ToList(),
        _nextOrder)
    {
        StoredSweeps = _sweepOrder.Where(_stored.ContainsKey).Select(id => _stored[id]).ToList(),
        Cancelled = _cancelled.Order(StringComparer.Ordinal).ToList(),
    };

    private static TrialSnapshot TrialSnapshotOf(TrialRecord t) => new(t.Plan.TrialId, t.Order, t.State, t.Attempt, t.FailedAttempts,
        t.Trainer, t.Node, t.Slot, t.Metrics, t.OutputDir, t.FailureReason, t.DuplicatesDropped, t.History.ToList())
    {
        Abandons = t.Abandons,
        FaultedNodes = t.FaultedNodes.Count == 0 ? null : t.FaultedNodes.Order(StringComparer.Ordinal).ToList(),
        SucceededAttempt = t.SucceededAttempt,
    };

    /// <summary>One trial's plan and state, or nulls when the id is unknown.</summary>
    public TrialDetail Detail(string trialId) => _trials.TryGetValue(trialId, out var t)
        ? new TrialDetail(t.Plan, TrialSnapshotOf(t))
        : new TrialDetail(null, null);

    /// <summary>The book a snapshot describes; events journaled after it are then applied on top.</summary>
    public static SweepBook Restore(CoordinatorSnapshot snapshot, Func<PlanRef, SweepPlan> plans)
    {
        var book = new SweepBook(plans) { _nextOrder = snapshot.NextOrder };
        book._cancelled.UnionWith(snapshot.Cancelled ?? []);
        var trialPlans = new Dictionary<string, TrialPlan>(StringComparer.Ordinal);
        var stored = (snapshot.StoredSweeps ?? []).Select(reference =>
        {
            book._stored[reference.SweepId] = reference;
            return plans(reference);
        });
        foreach (var sweep in snapshot.Sweeps.Concat(stored))
        {
            book._sweeps[sweep.SweepId] = sweep;
            book._sweepOrder.Add(sweep.SweepId);
            foreach (var plan in sweep.Trials)
            {
                trialPlans.TryAdd(plan.TrialId, plan);
                if (!book._sweepsOfTrial.TryGetValue(plan.TrialId, out var owners)) book._sweepsOfTrial[plan.TrialId] = owners = [];
                owners.Add(sweep.SweepId);
            }
        }
        foreach (var t in snapshot.Trials)
        {
            var record = new TrialRecord(trialPlans[t.TrialId], t.Order)
            {
                State = t.State,
                Attempt = t.Attempt,
                FailedAttempts = t.FailedAttempts,
                Trainer = t.Trainer,
                Node = t.Node,
                Slot = t.Slot,
                Metrics = t.Metrics,
                OutputDir = t.OutputDir,
                FailureReason = t.FailureReason,
                DuplicatesDropped = t.DuplicatesDropped,
                Abandons = t.Abandons,
                SucceededAttempt = t.SucceededAttempt,
            };
            record.History.AddRange(t.History);
            record.FaultedNodes.UnionWith(t.FaultedNodes ?? []);
            book._trials[t.TrialId] = record;
            if (t.State == TrialState.Pending) book._pending[t.Order] = t.TrialId;
            if (t.State == TrialState.Running) book._running[t.TrialId] = record;
        }
        return book;
    }

    public IReadOnlyList<TrialRecord> TrialsOf(string sweepId) =>
        _sweeps.TryGetValue(sweepId, out var plan) ? plan.Trials.Select(t => _trials[t.TrialId]).ToList() : [];

    public SweepCounts Counts(string sweepId) => CountsOf(TrialsOf(sweepId));

    private static SweepCounts CountsOf(IReadOnlyCollection<TrialRecord> trials) => new(
        trials.Count,
        trials.Count(t => t.State == TrialState.Pending),
        trials.Count(t => t.State == TrialState.Running),
        trials.Count(t => t.State == TrialState.Succeeded),
        trials.Count(t => t.State == TrialState.Failed));

    /// <summary>The status of a sweep; <paramref name="progress"/> holds the latest progress of running attempts.</summary>
    public SweepStatus Status(string sweepId, IReadOnlyDictionary<string, TrialProgressed> progress)
    {
        if (!_sweeps.TryGetValue(sweepId, out var plan))
            return new SweepStatus(sweepId, "", "unknown", new SweepCounts(0, 0, 0, 0, 0), [], [], 0);
        var trials = TrialsOf(sweepId);
        var counts = Counts(sweepId);
        var state = counts.Finished == counts.Total ? (counts.Failed > 0 ? "failed" : "completed")
            : _cancelled.Contains(sweepId) ? "cancelled" : "running";
        var running = RunningTrials(trials, progress);
        var failures = trials.SelectMany(t => t.History.Select(h => new TrialFailure(t.Plan.TrialId, h.Attempt, h.Outcome, h.Reason))).ToList();
        return new SweepStatus(sweepId, plan.Name, state, counts, running, failures, trials.Sum(t => t.DuplicatesDropped));
    }

    private static List<RunningTrial> RunningTrials(IEnumerable<TrialRecord> trials, IReadOnlyDictionary<string, TrialProgressed> progress) =>
        trials.Where(t => t.State == TrialState.Running).Select(t =>
        {
            var p = progress.GetValueOrDefault(t.Plan.TrialId) is { } last && last.Attempt == t.Attempt ? last : null;
            return new RunningTrial(t.Plan.TrialId, t.Plan.Method, t.Plan.Rank, t.Attempt, t.Node ?? "", t.Slot, p?.Stage, p?.Step, p?.TotalSteps, p?.Loss,
                p?.TokensPerSecond);
        }).ToList();

    /// <summary>Every sweep in submission order, every distinct trial by state, every running
    /// attempt, and the latest <paramref name="failures"/> failed or abandoned attempts.</summary>
    public CoordinatorOverview Overview(IReadOnlyDictionary<string, TrialProgressed> progress, IReadOnlyList<TrainerSlot> trainers, int failures)
    {
        var sweeps = List(progress).Sweeps;
        var all = _trials.Values;
        var counts = CountsOf(all);
        var recent = all
            .SelectMany(t => t.History.Select(h => new RecentFailure(t.Plan.TrialId, t.Plan.Method, t.Plan.Rank, h.Attempt, h.Node, h.Outcome, h.Reason, h.At)))
            .OrderByDescending(f => f.At).Take(failures).ToList();
        return new CoordinatorOverview(sweeps, counts, RunningTrials(_running.Values.OrderBy(t => t.Order), progress), recent, trainers);
    }

    /// <summary>One row per trial of the sweep, in plan order: <see cref="GetSweepResults.Limit"/>
    /// of them (null: all) from <see cref="GetSweepResults.Offset"/> on.</summary>
    public SweepResults Results(GetSweepResults query)
    {
        var trials = TrialsOf(query.SweepId);
        var offset = Math.Clamp(query.Offset, 0, trials.Count);
        var page = trials.Skip(offset).Take(query.Limit ?? trials.Count).Select(t => new TrialRow(
            t.Plan.TrialId, t.Plan.Method, t.Plan.Rank, t.Plan.Sources, t.Plan.Dataset, t.Plan.Seed,
            t.State.ToString().ToLowerInvariant(), t.Attempt, t.Metrics ?? new Dictionary<string, JsonElement>(),
            t.State == TrialState.Failed ? t.FailureReason : null,
            t.State == TrialState.Succeeded ? t.OutputDir : null, t.Plan.AInit)).ToList();
        return new SweepResults(query.SweepId, page, offset, trials.Count);
    }

    /// <summary>Every sweep in submission order with its state and counts.</summary>
    public SweepList List(IReadOnlyDictionary<string, TrialProgressed> progress) => new(SweepIds
        .Select(id => Status(id, progress))
        .Select(s => new SweepSummary(s.SweepId, s.Name, s.State, s.Counts)).ToList());
}
