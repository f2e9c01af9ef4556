using System.Globalization;
using Cora.Actors.Coordinator;
using Cora.Training;

namespace Cora.Actors.Scheduling;

/// <summary>
/// The scheduler's state and rules, without Akka: which schedules exist, which cron slot each
/// decided last, and what is due now. Decisions return events (or throw
/// <see cref="InvalidInputException"/> for a bad request); state changes only through
/// <see cref="Apply"/>, so replaying the journal rebuilds it exactly.
/// <para>Rules: a schedule fires each cron slot after it was added, at most once — a slot
/// at or before the last decided one is never decided again. A slot missed while no scheduler
/// ran fires late only within the catch-up window; otherwise, and for every older missed slot, a
/// <see cref="SlotSkipped"/> records it (older ones collapsed into one record). Manual firings
/// (run-now) are recorded too but use up no cron slot.</para>
/// </summary>
public sealed class ScheduleBook
{
    private readonly SortedDictionary<string, Entry> _schedules = new(StringComparer.Ordinal);

    private sealed class Entry(ScheduleAdded added, CronSchedule cron)
    {
        public ScheduleAdded Added { get; } = added;
        public CronSchedule Cron { get; } = cron;
        /// <summary>The latest cron slot decided (fired or skipped); manual firings do not count.</summary>
        public DateTimeOffset? LastCronSlot { get; set; }
        public SlotOutcome? Last { get; set; }
        /// <summary>The latest sweep this schedule fired (cron or manual): the one a firing waits for.</summary>
        public string? LastSweepId { get; set; }
        public DateTimeOffset CountFrom => LastCronSlot ?? Added.At;
    }

    public bool Contains(string name) => _schedules.ContainsKey(name);

    /// <exception cref="InvalidInputException">Bad name, cron or zone; a relative grid path; the name exists.</exception>
    public ScheduleAdded Add(AddSchedule request, DateTimeOffset at)
    {
        CronSchedule.CheckName(request.Name);
        CronSchedule.Parse(request.Cron, request.TimeZone);
        if (!Path.IsPathFullyQualified(request.Grid))
            throw new InvalidInputException($"grid \"{request.Grid}\": give an absolute path (the coordinator node reads it, not the console)");
        if (_schedules.ContainsKey(request.Name))
            throw new InvalidInputException($"schedule \"{request.Name}\" exists already (remove it first to change it)");
        return new ScheduleAdded(request.Name, request.Cron, request.TimeZone, request.Grid, at);
    }

    /// <exception cref="InvalidInputException">No such schedule.</exception>
    public ScheduleRemoved Remove(string name, DateTimeOffset at) => _schedules.ContainsKey(name)
        ? new ScheduleRemoved(name, at)
        : throw NoSuch(name);

    public static InvalidInputException NoSuch(string name) => new($"no schedule \"{name}\" (see `cora schedule list`)");

    /// <summary>The grid file of a schedule (null: no such schedule).</summary>
    public string? Grid(string name) => _schedules.TryGetValue(name, out var e) ? e.Added.Grid : null;

    /// <summary>The latest sweep the schedule fired: a new firing is skipped while it runs.</summary>
    public string? LastSweep(string name) => _schedules.TryGetValue(name, out var e) ? e.LastSweepId : null;

    /// <summary>Why a firing must wait for the schedule's previous sweep (null: it need not).</summary>
    public static string? SkipReason(SweepStatus? previous) => previous is { State: "running" }
        ? $"the previous sweep {previous.SweepId} of this schedule is still running ({previous.Counts.Finished}/{previous.Counts.Total} trials finished)"
        : null;

    /// <summary>What each schedule has due at <paramref name="now"/>: records for missed slots,
    /// and at most one slot to fire — the latest, when it is no older than <paramref name="catchUp"/>.</summary>
    public IReadOnlyList<SlotDue> Due(DateTimeOffset now, TimeSpan catchUp)
    {
        var due = new List<SlotDue>();
        foreach (var (name, e) in _schedules)
        {
            var slots = e.Cron.Between(e.CountFrom, now);
            if (slots.Latest is not { } latest) continue;
            var skipped = new List<SlotSkipped>();
            if (slots.BeforeLatest is { } older)
            {
                skipped.Add(new SlotSkipped(name, older,
                    $"missed: no scheduler was running ({slots.Count - 1} slot(s) from {Format(slots.First!.Value)} to {Format(older)}; only the latest missed slot may fire late)", false, now));
            }
            if (now - latest <= catchUp)
            {
                due.Add(new SlotDue(name, skipped, latest));
            }
            else
            {
                skipped.Add(new SlotSkipped(name, latest,
                    $"missed: no scheduler was running at {Format(latest)}; noticed at {Format(now)}, later than the catch-up window ({catchUp})", false, now));
                due.Add(new SlotDue(name, skipped, null));
            }
        }
        return due;
    }

    /// <summary>Records a firing; null when the schedule is gone or (a cron slot) the slot was decided already.</summary>
    public SlotFired? Fire(string name, DateTimeOffset slot, string sweepId, bool manual, DateTimeOffset at) =>
        Decidable(name, slot, manual) ? new SlotFired(name, slot, sweepId, manual, at) : null;

    /// <summary>Records a skip; null when the schedule is gone or (a cron slot) the slot was decided already.</summary>
    public SlotSkipped? Skip(string name, DateTimeOffset slot, string reason, bool manual, DateTimeOffset at) =>
        Decidable(name, slot, manual) ? new SlotSkipped(name, slot, reason, manual, at) : null;

    private bool Decidable(string name, DateTimeOffset slot, bool manual) =>
        _schedules.TryGetValue(name, out var e) && (manual || slot > e.CountFrom);

    public void Apply(ISchedulerEvent e)
    {
        switch (e)
        {
            case ScheduleAdded added:
                _schedules[added.Name] = new Entry(added, CronSchedule.Parse(added.Cron, added.TimeZone));
                break;
            case ScheduleRemoved removed:
                _schedules.Remove(removed.Name);
                break;
            case SlotFired fired when _schedules.TryGetValue(fired.Name, out var entry):
                Decided(entry, fired.Slot, fired.Manual, new SlotOutcome(fired.Name, fired.Slot, fired.Manual, SlotOutcome.Fired, SweepId: fired.SweepId));
                entry.LastSweepId = fired.SweepId;
                break;
            case SlotSkipped skipped when _schedules.TryGetValue(skipped.Name, out var entry):
                Decided(entry, skipped.Slot, skipped.Manual, new SlotOutcome(skipped.Name, skipped.Slot, skipped.Manual, SlotOutcome.Skipped, Reason: skipped.Reason));
                break;
        }
    }

    private static void Decided(Entry entry, DateTimeOffset slot, bool manual, SlotOutcome outcome)
    {
        if (!manual && (entry.LastCronSlot is not { } last || slot > last)) entry.LastCronSlot = slot;
        entry.Last = outcome;
    }

    public IReadOnlyList<ScheduleView> List(DateTimeOffset now) => _schedules.Keys.Select(name => View(name, now)!).ToList();

    public ScheduleView? View(string name, DateTimeOffset now)
    {
        if (!_schedules.TryGetValue(name, out var e)) return null;
        var next = NextSlot(e, now);
        return new ScheduleView(name, e.Added.Cron, e.Added.TimeZone, e.Added.Grid, next, next?.ToUniversalTime(), e.Last);
    }

    /// <summary>The earliest undecided cron slot of any schedule (null: none ever), for the timer.</summary>
    public DateTimeOffset? NextWake(DateTimeOffset now) =>
        _schedules.Values.Select(e => NextSlot(e, now)).Where(n => n is not null).Min();

    private static DateTimeOffset? NextSlot(Entry e, DateTimeOffset now) => e.Cron.Next(e.CountFrom > now ? e.CountFrom : now);

    private static string Format(DateTimeOffset at) => at.ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
}

/// <summary>What one schedule has due: <paramref name="Skipped"/> to journal, and the slot to fire (if any).</summary>
public sealed record SlotDue(string Name, IReadOnlyList<SlotSkipped> Skipped, DateTimeOffset? Fire);
