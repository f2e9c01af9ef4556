using Akka.Configuration;
using Cora.Training;

namespace Cora.Actors.Scheduling;

/// <summary>HOCON <c>cora.scheduler</c> (documented in reference.conf).</summary>
/// <param name="CatchUp">How late a missed slot may still fire.</param>
/// <param name="CheckEvery">The longest the scheduler sleeps between looks at the clock.</param>
public sealed record SchedulerSettings(TimeSpan CatchUp, TimeSpan CheckEvery)
{
    public static SchedulerSettings Create(Config config)
    {
        var catchUp = config.GetTimeSpan("cora.scheduler.catch-up", TimeSpan.FromHours(1));
        if (catchUp < TimeSpan.Zero) throw new InvalidInputException($"cora.scheduler.catch-up: must be ≥ 0 (got {catchUp})");
        var checkEvery = config.GetTimeSpan("cora.scheduler.check-every", TimeSpan.FromMinutes(1));
        if (checkEvery <= TimeSpan.Zero || checkEvery > TimeSpan.FromMinutes(1))
            throw new InvalidInputException($"cora.scheduler.check-every: must be more than 0 and at most 1m, so clock jumps are noticed (got {checkEvery})");
        return new SchedulerSettings(catchUp, checkEvery);
    }
}
