using Akka.Configuration;
using Cora.Training;

namespace Cora.Cluster.Health;

/// <summary>HOCON <c>cora.health</c>, checked. The defaults, with what each key means, are in
/// Cora.Actors' reference.conf, under every node's config.</summary>
/// <param name="CacheFor">How long a check's result is served again before the check runs anew.</param>
/// <param name="JournalTimeout">The journal check's deadline: connecting and one query.</param>
/// <param name="SingletonTimeout">How long the singleton check waits for the coordinator's answer.</param>
public sealed record HealthSettings(TimeSpan CacheFor, TimeSpan JournalTimeout, TimeSpan SingletonTimeout)
{
    public static HealthSettings Create(Config config) => new(
        Positive(config, "cora.health.cache-for"),
        Positive(config, "cora.health.journal-timeout"),
        Positive(config, "cora.health.singleton-timeout"));

    private static TimeSpan Positive(Config config, string key)
    {
        var value = config.GetTimeSpan(key, allowInfinite: false);
        return value > TimeSpan.Zero ? value : throw new InvalidInputException($"{key}: must be positive (got {value})");
    }
}
