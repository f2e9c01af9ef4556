using Cora.Actors.Trainer;

namespace Cora.Actors.Tests.Trainer;

/// <summary>Whose fault a failed trial process is: the trial's (retried or not) or the node's.</summary>
public sealed class TrialFailuresTests
{
    private static (string Reason, FailureKind Kind) Classify(int exitCode, params string[] tail) =>
        TrialFailures.Classify(new TrialProcessExit(exitCode, false, false, tail), TimeSpan.FromMinutes(10), "/a/trial.log");

    [Theory]
    [InlineData(1, FailureKind.Deterministic, "training diverged (exit code 1)")]
    [InlineData(65, FailureKind.Deterministic, "invalid input (exit code 65)")]
    [InlineData(66, FailureKind.NodeFault, "input missing on this node (exit code 66)")]
    [InlineData(74, FailureKind.NodeFault, "I/O error on this node (exit code 74)")]
    [InlineData(137, FailureKind.NodeFault, "killed by SIGKILL — the OOM killer? (exit code 137)")]
    [InlineData(139, FailureKind.Transient, "killed by SIGSEGV (exit code 139)")]
    [InlineData(3, FailureKind.Transient, "exit code 3")]
    public void Exit_codes_say_whose_fault_it_is(int exitCode, FailureKind kind, string reason) =>
        Assert.Equal((reason, kind), Classify(exitCode));

    [Fact]
    public void No_space_left_is_the_node_s_fault_whatever_the_exit_code()
    {
        var (reason, kind) = Classify(134, "Unhandled exception. System.IO.IOException: No space left on device : '/a/adapter.safetensors'", "   at Cora…");
        Assert.Equal(FailureKind.NodeFault, kind);
        Assert.StartsWith("no space left on this node (exit code 134): Unhandled exception. System.IO.IOException: No space left on device", reason);
    }

    [Fact]
    public void A_timeout_or_a_cancellation_is_not_the_node_s_fault()
    {
        Assert.Equal(FailureKind.Transient, TrialFailures.Classify(new TrialProcessExit(137, true, false, []), TimeSpan.FromMinutes(10), "/a/trial.log").Kind);
        Assert.Equal(FailureKind.Transient, TrialFailures.Classify(new TrialProcessExit(137, false, true, []), TimeSpan.FromMinutes(10), "/a/trial.log").Kind);
    }
}
