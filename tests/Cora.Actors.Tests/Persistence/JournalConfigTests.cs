using Akka.Actor;
using Cora.Actors.Persistence;

namespace Cora.Actors.Tests.Persistence;

public sealed class JournalConfigTests
{
    /// <summary>The circuit breakers as Akka.Persistence builds them: the plugin's section over
    /// its plugin fallback (Persistence.PluginHolderFor), in a system configured as a node is.</summary>
    [Theory]
    [InlineData("akka.persistence.journal.sql", "akka.persistence.journal-plugin-fallback", 10, 10)]
    [InlineData("akka.persistence.snapshot-store.sql", "akka.persistence.snapshot-store-plugin-fallback", 5, 20)]
    public async Task The_circuit_breakers_try_the_database_again_seconds_after_they_open(string plugin, string fallback, int maxFailures, int callTimeout)
    {
        using var directory = new TempDirectory();
        using var system = ActorSystem.Create("breaker-test", JournalConfig.For(directory.File("journal.db")).WithFallback(CoraConfig.Reference));
        Akka.Persistence.Persistence.Instance.Apply(system);   // adds Akka.Persistence's defaults, as a node's first persistent actor does
        var breaker = system.Settings.Config.GetConfig(plugin).WithFallback(system.Settings.Config.GetConfig(fallback)).GetConfig("circuit-breaker");
        Assert.Equal((maxFailures, TimeSpan.FromSeconds(callTimeout), TimeSpan.FromSeconds(2)),
            (breaker.GetInt("max-failures"), breaker.GetTimeSpan("call-timeout"), breaker.GetTimeSpan("reset-timeout")));
        await system.Terminate();
    }
}
