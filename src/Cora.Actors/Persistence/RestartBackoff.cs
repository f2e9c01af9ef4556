using Akka.Configuration;
using Cora.Training;

namespace Cora.Actors.Persistence;

/// <summary>HOCON <c>cora.coordinator.restart-backoff</c> (documented in reference.conf): how long
/// <see cref="RestartingSupervisor"/> waits before it starts a stopped persistent actor again.</summary>
/// <param name="Min">The wait before the first restart.</param>
/// <param name="Max">The longest wait before the random part, reached by doubling.</param>
/// <param name="RandomFactor">Up to this fraction of the wait is added at random (0: none).</param>
public sealed record RestartBackoff(TimeSpan Min, TimeSpan Max, double RandomFactor)
{
    public const string Path = "cora.coordinator.restart-backoff";

    public static RestartBackoff Create(Config config)
    {
        var min = config.GetTimeSpan($"{Path}.min", TimeSpan.FromSeconds(1));
        if (min <= TimeSpan.Zero) throw new InvalidInputException($"{Path}.min: must be more than 0 (got {min})");
        var max = config.GetTimeSpan($"{Path}.max", TimeSpan.FromSeconds(10));
        if (max < min) throw new InvalidInputException($"{Path}.max: must be at least min ({min}) (got {max})");
        var random = config.GetDouble($"{Path}.random-factor", 0.2);
        if (!(random is >= 0 and <= 1)) throw new InvalidInputException($"{Path}.random-factor: must be between 0 and 1 (got {random})");
        return new RestartBackoff(min, max, random);
    }

    /// <summary>The wait before restart number <paramref name="restart"/> (1: the first after a
    /// run that lasted): min · 2^(restart−1), at most max, then stretched by up to the random
    /// factor (<paramref name="random"/> in [0, 1) picks how much), so the sweep coordinator and the
    /// scheduler, which lose the journal together, do not retry in step.</summary>
    public TimeSpan Delay(int restart, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(restart, 1);
        var doubled = Min.Ticks * Math.Pow(2, Math.Min(restart - 1, 62));
        return TimeSpan.FromTicks((long)(Math.Min(Max.Ticks, doubled) * (1 + random * RandomFactor)));
    }
}
