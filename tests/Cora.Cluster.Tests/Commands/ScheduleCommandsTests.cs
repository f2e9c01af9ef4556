using Cora.Cluster.Commands;

namespace Cora.Cluster.Tests.Commands;

/// <summary>What `cora schedule add` refuses before it contacts any cluster (the cluster side is
/// in Cluster/ClusterTests.cs).</summary>
public sealed class ScheduleCommandsTests
{
    [Theory]
    [InlineData("--cron", "0 2 * *", "cron \"0 2 * *\"")]
    [InlineData("--tz", "Mars/Olympus", "time zone \"Mars/Olympus\"")]
    public void A_bad_cron_or_zone_is_bad_input_naming_the_value(string option, string value, string message)
    {
        string[] args = option == "--cron"
            ? ["schedule", "add", "nightly", "--cron", value, "grid.conf", "--contact", "127.0.0.1:1"]
            : ["schedule", "add", "nightly", "--cron", "0 2 * * *", "--tz", value, "grid.conf", "--contact", "127.0.0.1:1"];
        var run = Cli.Invoke(args);
        Assert.Equal(ExitCodes.DataError, run.ExitCode);
        Assert.Contains(message, run.Stderr);
    }

    [Fact]
    public void The_schedule_commands_are_in_the_consoles_completion()
    {
        Assert.Equal(["add", "list", "remove", "run-now"], InteractiveConsoleCommand.Complete("schedule ").Where(c => char.IsLetter(c[0])).Order());
        Assert.Contains("--tz", InteractiveConsoleCommand.Complete("schedule add nightly --"));
    }
}
