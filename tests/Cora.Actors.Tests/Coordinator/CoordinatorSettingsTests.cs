using Akka.Configuration;
using Cora.Actors.Coordinator;
using Cora.Actors.Trainer;
using Cora.Training;

namespace Cora.Actors.Tests.Coordinator;

/// <summary>The lease and fault-handling defaults in reference.conf, and bad values named by key.</summary>
public sealed class CoordinatorSettingsTests
{
    [Fact]
    public void Reference_conf_pins_the_lease_and_the_trainer_s_fault_handling_defaults()
    {
        Assert.Equal(CoordinatorSettings.Default, CoordinatorSettings.Create(CoraConfig.Reference));
        Assert.Equal(TimeSpan.FromSeconds(5), CoordinatorSettings.Default.LeaseCheckEvery);
        var trainer = TrainerSettings.Create(CoraConfig.Reference, "n", ["cora"]);
        Assert.Equal((TimeSpan.FromSeconds(5), 3, TimeSpan.FromSeconds(30)), (trainer.HeartbeatEvery, trainer.QuarantineAfter, trainer.RecheckEvery));
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromHours(6), TimeSpan.FromHours(2)), (trainer.CheckDeadline, trainer.BasisDeadline, trainer.ScoringDeadline));
    }

    [Fact]
    public void An_embedded_node_requeues_at_once_after_a_restart()
    {
        var settings = CoordinatorSettings.Create(ConfigurationFactory.ParseString("cora.coordinator.lease-after-restart = 0s").WithFallback(CoraConfig.Reference));
        Assert.Equal((TimeSpan.FromSeconds(30), TimeSpan.Zero), (settings.Lease, settings.LeaseAfterRestart));
    }

    [Theory]
    [InlineData("cora.coordinator.lease = 0s", "cora.coordinator.lease: must be between 1s and 1h")]
    [InlineData("cora.coordinator.lease-after-restart = 2h", "cora.coordinator.lease-after-restart: must be between 0s and 1h")]
    public void A_bad_lease_is_named_by_its_key(string hocon, string message)
    {
        var error = Assert.Throws<InvalidInputException>(() => CoordinatorSettings.Create(ConfigurationFactory.ParseString(hocon).WithFallback(CoraConfig.Reference)));
        Assert.StartsWith(message, error.Message);
    }

    [Theory]
    [InlineData("cora.trainer.quarantine-after = 0", "cora.trainer.quarantine-after: must be ≥ 1")]
    [InlineData("cora.trainer.deadlines.basis = 0s", "cora.trainer.deadlines.basis: must be positive")]
    public void A_bad_trainer_setting_is_named_by_its_key(string hocon, string message)
    {
        var error = Assert.Throws<InvalidInputException>(() => TrainerSettings.Create(ConfigurationFactory.ParseString(hocon).WithFallback(CoraConfig.Reference), "n", ["cora"]));
        Assert.StartsWith(message, error.Message);
    }
}
