using System.Text.RegularExpressions;
using Cora.Training;
using Cronos;

namespace Cora.Actors.Scheduling;

/// <summary>
/// A cron expression (five fields: minute hour day-of-month month day-of-week, Cronos' standard
/// format) read in an IANA time zone. Slots follow the zone's wall clock, DST included: a slot in
/// the hour skipped in spring fires at the transition, a slot in the hour repeated in autumn
/// fires once (Cronos' rules). The console and the <see cref="Scheduler"/> validate with this,
/// so a bad value gets the same message — naming the value — on either side.
/// </summary>
public sealed partial class CronSchedule
{
    private readonly CronExpression _expression;

    private CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        _expression = expression;
        Zone = zone;
    }

    public TimeZoneInfo Zone { get; }

    /// <exception cref="InvalidInputException">The expression does not parse or the zone is unknown.</exception>
    public static CronSchedule Parse(string cron, string timeZone)
    {
        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(cron, CronFormat.Standard);
        }
        catch (CronFormatException e)
        {
            throw new InvalidInputException($"cron \"{cron}\": {e.Message} (expected five fields: minute hour day-of-month month day-of-week, e.g. \"0 2 * * *\")");
        }
        TimeZoneInfo zone;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(timeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new InvalidInputException($"time zone \"{timeZone}\": not a known IANA time zone id on this node (e.g. Europe/Paris, UTC; Debian's tzdata package provides them)");
        }
        return new CronSchedule(expression, zone);
    }

    /// <exception cref="InvalidInputException">The name is not a short identifier.</exception>
    public static string CheckName(string name) => IsName(name)
        ? name
        : throw new InvalidInputException($"schedule name \"{name}\": {NameRule}");

    /// <summary>Whether <paramref name="name"/> is a schedule name (<see cref="NameRule"/>).</summary>
    public static bool IsName(string? name) => name is not null && NamePattern().IsMatch(name);

    public const string NameRule = "use letters, digits, '.', '_' or '-' (at most 64), starting with a letter or digit";

    /// <summary>The first slot strictly after <paramref name="after"/>, in the schedule's zone.</summary>
    public DateTimeOffset? Next(DateTimeOffset after) => _expression.GetNextOccurrence(after, Zone);

    /// <summary>The slots after <paramref name="after"/> up to and including <paramref name="until"/>:
    /// how many, the first, the one before the latest, and the latest. Walked forwards with the
    /// same rule as <see cref="Next"/> (Cronos' backward search disagrees with it in a DST gap).</summary>
    public SlotRange Between(DateTimeOffset after, DateTimeOffset until)
    {
        var range = new SlotRange(0, null, null, null);
        foreach (var slot in _expression.GetOccurrences(after, until, Zone, fromInclusive: false, toInclusive: true))
            range = new SlotRange(range.Count + 1, range.First ?? slot, range.Latest, slot);
        return range;
    }

    // \z, not $: $ also matches before a final newline, which would let "name\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\z")]
    private static partial Regex NamePattern();
}

/// <param name="BeforeLatest">The slot before <paramref name="Latest"/> (null: fewer than two).</param>
public sealed record SlotRange(int Count, DateTimeOffset? First, DateTimeOffset? BeforeLatest, DateTimeOffset? Latest);
