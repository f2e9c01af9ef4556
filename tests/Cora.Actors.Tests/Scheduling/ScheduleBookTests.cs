using Akka.Configuration;
using Cora.Actors.Coordinator;
using Cora.Actors.Scheduling;
using Cora.Training;

namespace Cora.Actors.Tests.Scheduling;

public sealed class ScheduleBookTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private static ScheduleBook With(DateTimeOffset at, string cron = "0 2 * * *", string zone = "UTC", string name = "nightly")
    {
        var book = new ScheduleBook();
        book.Apply(book.Add(new AddSchedule(name, cron, zone, "/grids/smoke.conf"), at));
        return book;
    }

    /// <summary>Does what the scheduler does at <paramref name="now"/>: journals the skips and fires the due slot.</summary>
    private static List<DateTimeOffset> Tick(ScheduleBook book, DateTimeOffset now, TimeSpan catchUp, List<SlotSkipped>? skips = null)
    {
        var fired = new List<DateTimeOffset>();
        foreach (var due in book.Due(now, catchUp))
        {
            foreach (var s in due.Skipped) book.Apply(s);
            skips?.AddRange(due.Skipped);
            if (due.Fire is { } slot && book.Fire(due.Name, slot, $"sweep-{slot:MMddHHmm}", false, now) is { } e)
            {
                book.Apply(e);
                fired.Add(slot);
            }
        }
        return fired;
    }

    [Fact]
    public void Time_zones_are_found_by_iana_id_under_invariant_globalization()
    {
        Assert.Equal("Europe/Paris", CronSchedule.Parse("0 2 * * *", "Europe/Paris").Zone.Id);
        Assert.Equal(TimeSpan.FromHours(-5), CronSchedule.Parse("0 2 * * *", "America/New_York").Zone.GetUtcOffset(Utc(1, 15, 12)));
    }

    [Fact]
    public void The_next_slot_follows_the_zones_wall_clock_across_the_spring_dst_change()
    {
        // Europe/Paris springs forward on 2026-03-29 at 02:00 (CET +01 → CEST +02): 02:00 does not
        // exist that night, so Cronos fires at the transition, 03:00 CEST = 01:00 UTC.
        var book = With(Utc(3, 27, 12), zone: "Europe/Paris");
        var view = book.View("nightly", Utc(3, 27, 12))!;
        Assert.Equal((new DateTimeOffset(2026, 3, 28, 2, 0, 0, Hour), Utc(3, 28, 1)), (view.Next!.Value, view.NextUtc!.Value));
        Assert.Equal(Hour, view.Next.Value.Offset);

        Assert.Equal([Utc(3, 28, 1)], Tick(book, Utc(3, 28, 1, 5), Hour));
        Assert.Equal(Utc(3, 29, 1), book.View("nightly", Utc(3, 28, 1, 5))!.NextUtc);
        Assert.Equal([Utc(3, 29, 1)], Tick(book, Utc(3, 29, 1, 1), Hour));
        // From then on 02:00 CEST = 00:00 UTC.
        Assert.Equal(new DateTimeOffset(2026, 3, 30, 2, 0, 0, TimeSpan.FromHours(2)), book.View("nightly", Utc(3, 29, 1, 1))!.Next);
    }

    [Fact]
    public void A_slot_in_the_autumn_hour_that_happens_twice_fires_once()
    {
        // 2026-10-25 03:00 CEST → 02:00 CET: 02:30 local happens at 00:30 and at 01:30 UTC.
        var book = With(Utc(10, 24, 12), cron: "30 2 * * *", zone: "Europe/Paris");
        var fired = new List<DateTimeOffset>();
        for (var now = Utc(10, 25, 0); now <= Utc(10, 25, 3); now += TimeSpan.FromMinutes(10)) fired.AddRange(Tick(book, now, Hour));
        Assert.Single(fired);
    }

    [Fact]
    public void A_slot_is_decided_once_however_often_the_clock_is_read()
    {
        var book = With(Utc(5, 1, 1));
        Assert.Empty(Tick(book, Utc(5, 1, 1, 59), Hour));
        Assert.Equal([Utc(5, 1, 2)], Tick(book, Utc(5, 1, 2), Hour));
        Assert.Empty(Tick(book, Utc(5, 1, 2), Hour));
        Assert.Empty(Tick(book, Utc(5, 1, 2, 30), Hour));
        Assert.Empty(book.Due(Utc(5, 1, 2, 30), Hour));
        // Nor can a late decision for an already decided slot be recorded.
        Assert.Null(book.Fire("nightly", Utc(5, 1, 2), "again", false, Utc(5, 1, 2, 31)));
        Assert.Null(book.Skip("nightly", Utc(5, 1, 2), "again", false, Utc(5, 1, 2, 31)));
        Assert.Equal([Utc(5, 2, 2)], Tick(book, Utc(5, 2, 2, 1), Hour));
    }

    [Fact]
    public void A_manual_firing_is_recorded_but_uses_up_no_cron_slot()
    {
        var book = With(Utc(5, 1, 1));
        book.Apply(book.Fire("nightly", Utc(5, 1, 1, 30), "manual-sweep", true, Utc(5, 1, 1, 30))!);
        Assert.Equal(("fired", true, "manual-sweep"), (book.View("nightly", Utc(5, 1, 1, 30))!.Last!.Outcome, book.View("nightly", Utc(5, 1, 1, 30))!.Last!.Manual, book.LastSweep("nightly")));
        Assert.Equal([Utc(5, 1, 2)], Tick(book, Utc(5, 1, 2, 1), Hour));
    }

    [Fact]
    public void A_slot_missed_while_down_fires_once_within_the_catch_up_window_and_is_recorded_as_missed_after_it()
    {
        // Down at 02:00, back at 02:20: fires, once.
        var book = With(Utc(5, 1, 1));
        Assert.Equal([Utc(5, 1, 2)], Tick(book, Utc(5, 1, 2, 20), Hour));
        Assert.Empty(Tick(book, Utc(5, 1, 2, 21), Hour));

        // Down at 02:00, back at 03:30 with a one-hour window: skipped, with a record.
        var skips = new List<SlotSkipped>();
        Assert.Empty(Tick(book, Utc(5, 2, 3, 30), Hour, skips));
        var missed = Assert.Single(skips);
        Assert.Equal(Utc(5, 2, 2), missed.Slot);
        Assert.StartsWith("missed", missed.Reason);
        Assert.Equal(("skipped", missed.Reason), (book.View("nightly", Utc(5, 2, 3, 30))!.Last!.Outcome, book.View("nightly", Utc(5, 2, 3, 30))!.Last!.Reason));
        Assert.Empty(Tick(book, Utc(5, 2, 3, 31), Hour));
    }

    [Fact]
    public void After_days_down_only_the_latest_slot_may_fire_and_the_older_ones_are_one_missed_record()
    {
        var book = With(Utc(5, 1, 1));
        var skips = new List<SlotSkipped>();
        Assert.Equal([Utc(5, 4, 2)], Tick(book, Utc(5, 4, 2, 10), Hour, skips));
        var older = Assert.Single(skips);
        Assert.Equal(Utc(5, 3, 2), older.Slot);
        Assert.Contains("3 slot(s)", older.Reason);
    }

    [Fact]
    public void A_zero_catch_up_window_fires_only_on_time()
    {
        var book = With(Utc(5, 1, 1));
        Assert.Equal([Utc(5, 1, 2)], Tick(book, Utc(5, 1, 2), TimeSpan.Zero));
        Assert.Empty(Tick(book, Utc(5, 2, 2, 1), TimeSpan.Zero));
        Assert.Equal("skipped", book.View("nightly", Utc(5, 2, 2, 1))!.Last!.Outcome);
    }

    [Fact]
    public void A_firing_is_skipped_while_the_previous_sweep_of_the_schedule_runs()
    {
        var book = With(Utc(5, 1, 1));
        Assert.Null(book.LastSweep("nightly"));
        Tick(book, Utc(5, 1, 2), Hour);
        Assert.Equal("sweep-05010200", book.LastSweep("nightly"));
        var counts = new SweepCounts(4, 1, 1, 2, 0);
        var reason = ScheduleBook.SkipReason(new SweepStatus("sweep-05010200", "smoke", "running", counts, [], [], 0));
        Assert.Contains("sweep-05010200", reason);
        Assert.Contains("still running", reason);
        Assert.Null(ScheduleBook.SkipReason(new SweepStatus("s", "smoke", "completed", counts, [], [], 0)));
        Assert.Null(ScheduleBook.SkipReason(new SweepStatus("s", "smoke", "failed", counts, [], [], 0)));
        Assert.Null(ScheduleBook.SkipReason(null));
    }

    [Fact]
    public void A_removed_schedule_fires_nothing_and_its_name_can_be_used_again()
    {
        var book = With(Utc(5, 1, 1));
        book.Apply(book.Remove("nightly", Utc(5, 1, 1, 30)));
        Assert.False(book.Contains("nightly"));
        Assert.Empty(Tick(book, Utc(5, 1, 2), Hour));
        Assert.Null(book.Fire("nightly", Utc(5, 1, 2), "s", true, Utc(5, 1, 2)));
        Assert.Contains("\"nightly\"", Assert.Throws<InvalidInputException>(() => book.Remove("nightly", Utc(5, 1, 2))).Message);
        book.Apply(book.Add(new AddSchedule("nightly", "0 3 * * *", "UTC", "/grids/smoke.conf"), Utc(5, 1, 2)));
        Assert.Equal(Utc(5, 1, 3), book.View("nightly", Utc(5, 1, 2))!.NextUtc);
    }

    [Theory]
    [InlineData("nightly", "0 2 * *", "UTC", "/g.conf", "cron \"0 2 * *\"")]
    [InlineData("nightly", "0 25 * * *", "UTC", "/g.conf", "cron \"0 25 * * *\"")]
    [InlineData("nightly", "0 2 * * *", "Europe/Atlantis", "/g.conf", "time zone \"Europe/Atlantis\"")]
    [InlineData("nightly", "0 2 * * *", "UTC", "grids/g.conf", "grid \"grids/g.conf\"")]
    [InlineData("no spaces", "0 2 * * *", "UTC", "/g.conf", "schedule name \"no spaces\"")]
    [InlineData("taken", "0 2 * * *", "UTC", "/g.conf", "schedule \"taken\" exists already")]
    public void A_bad_request_is_refused_with_a_message_that_names_the_value(string name, string cron, string zone, string grid, string message)
    {
        var book = With(Utc(5, 1, 1), name: "taken");
        var e = Assert.Throws<InvalidInputException>(() => book.Add(new AddSchedule(name, cron, zone, grid), Utc(5, 1, 1)));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void Settings_defaults_are_pinned_and_a_bad_value_names_its_key()
    {
        Assert.Equal(new SchedulerSettings(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1)), SchedulerSettings.Create(CoraConfig.Reference));
        var e = Assert.Throws<InvalidInputException>(() => SchedulerSettings.Create(ConfigurationFactory.ParseString("cora.scheduler.check-every = 5m").WithFallback(CoraConfig.Reference)));
        Assert.StartsWith("cora.scheduler.check-every", e.Message);
    }
}
