using Akka.TestKit.Xunit2;
using Cora.Actors.Loading;
using Cora.Actors.Trainer;

namespace Cora.Actors.Tests.Loading;

public sealed class CheckpointLoaderTests : TestKit, IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly TempDirectory _temp = new();

    void IDisposable.Dispose()
    {
        Shutdown();
        _temp.Dispose();
    }

    private string CopyOfFixture()
    {
        var dir = Directory.CreateDirectory(_temp.File("model")).FullName;
        foreach (var file in Directory.GetFiles(Fixtures.Llama("mha-tiny"))) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        return dir;
    }

    private string? Check(Akka.Actor.IActorRef loader, string directory) => Checked(loader, directory).Problem;

    private CheckpointsChecked Checked(Akka.Actor.IActorRef loader, string directory)
    {
        loader.Tell(new CheckCheckpoints(new TrialTicket("t", 1), [directory]), TestActor);
        return ExpectMsg<CheckpointsChecked>(Wait);
    }

    [Fact]
    public void A_good_checkpoint_passes_and_a_changed_file_is_checked_again()
    {
        var loader = Sys.ActorOf(CheckpointLoader.Props());
        var model = CopyOfFixture();
        Assert.Null(Check(loader, model));

        File.WriteAllText(Path.Combine(model, "config.json"), File.ReadAllText(Path.Combine(model, "config.json")).Replace("\"hidden_size\": 32", "\"hidden_size\": 48", StringComparison.Ordinal));
        var problem = Checked(loader, model);
        Assert.NotNull(problem.Problem);
        Assert.Contains(model, problem.Problem);
        Assert.False(problem.NodeFault);   // the content is wrong: every node would say so
    }

    [Fact]
    public void A_missing_directory_is_a_problem_that_names_it()
    {
        var loader = Sys.ActorOf(CheckpointLoader.Props());
        var problem = Checked(loader, _temp.File("nowhere"));
        Assert.Equal($"{_temp.File("nowhere")}: no such directory on this node (is its mount there?)", problem.Problem);
        Assert.True(problem.NodeFault);   // this node cannot see it; the planner saw it
        var empty = Directory.CreateDirectory(_temp.File("empty-mount")).FullName;
        Assert.Equal((Path.Combine(empty, "config.json") + ": no such file on this node", true), (Checked(loader, empty).Problem, Checked(loader, empty).NodeFault));
    }
}
