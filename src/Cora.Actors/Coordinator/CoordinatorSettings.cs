using Akka.Configuration;
using Cora.Training;

namespace Cora.Actors.Coordinator;

/// <summary>
/// The sweep coordinator's settings (HOCON <c>cora.coordinator</c>, documented in reference.conf).
/// </summary>
/// <param name="Lease">How long a running attempt stays assigned without word from its trainer
/// (a heartbeat, progress or its result) before it is requeued.</param>
/// <param name="LeaseAfterRestart">The lease running attempts get when the coordinator recovers;
/// zero: they are requeued at once (`cora run`'s one-node cluster, whose trainers died with it).</param>
public sealed record CoordinatorSettings(TimeSpan Lease, TimeSpan LeaseAfterRestart)
{
    public static readonly CoordinatorSettings Default = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));

    /// <summary>How often leases are checked: a lapse is noticed within a quarter of a lease.</summary>
    public TimeSpan LeaseCheckEvery => TimeSpan.FromTicks(Math.Clamp(Lease.Ticks / 4, TimeSpan.FromMilliseconds(100).Ticks, TimeSpan.FromSeconds(5).Ticks));

    public static CoordinatorSettings Create(Config config)
    {
        var lease = config.GetTimeSpan("cora.coordinator.lease", Default.Lease);
        if (lease < TimeSpan.FromSeconds(1) || lease > TimeSpan.FromHours(1))
            throw new InvalidInputException($"cora.coordinator.lease: must be between 1s and 1h (got {lease})");
        var afterRestart = config.HasPath("cora.coordinator.lease-after-restart") ? config.GetTimeSpan("cora.coordinator.lease-after-restart") : lease;
        if (afterRestart < TimeSpan.Zero || afterRestart > TimeSpan.FromHours(1))
            throw new InvalidInputException($"cora.coordinator.lease-after-restart: must be between 0s and 1h (got {afterRestart})");
        return new CoordinatorSettings(lease, afterRestart);
    }
}
