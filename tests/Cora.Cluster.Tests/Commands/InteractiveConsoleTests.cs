using Cora.Cluster.Commands;
using Cora.Cluster.Tests.MultiNode;

namespace Cora.Cluster.Tests.Commands;

public sealed class InteractiveConsoleTests
{
    [Fact]
    public void Tab_completion_offers_the_command_trees_words()
    {
        Assert.Equal(["sweep"], InteractiveConsoleCommand.Complete("swe"));
        Assert.Equal(["start", "status"], InteractiveConsoleCommand.Complete("sweep st").Order());
        Assert.Contains("--contact", InteractiveConsoleCommand.Complete("cluster show --"));
    }

    [Fact]
    public void Typed_lines_split_like_a_shell_with_double_quotes()
    {
        Assert.Equal(["sweep", "start", "my grids/a.conf"], InteractiveConsoleCommand.Split("sweep  start \"my grids/a.conf\""));
        Assert.Equal(["a", ""], InteractiveConsoleCommand.Split("a \"\""));
    }

    [Fact]
    public async Task Lines_on_standard_input_run_as_commands_until_exit()
    {
        var (code, stdout, stderr) = await NodeProcess.RunWithInputAsync("token", "tokenize --help\nsweep status\nexit\ntokenize --help\n",
            "console", "--contact", "127.0.0.1:1");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("cora> ", stdout);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(stdout, "Usage:"));   // nothing after exit ran
        Assert.Contains("(exit code 2)", stderr);   // sweep status without an id
    }
}
