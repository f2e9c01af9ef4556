using System.CommandLine;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora demo</c>: the README's run command — <c>cora run hocon/grids/demo.conf</c>, which makes
/// the tiny zoo (two source models) first when it is missing. Run from the repository root.
/// </summary>
public static class DemoCommand
{
    public const string Grid = "hocon/grids/demo.conf";

    public static Command Create()
    {
        var parallel = new Option<int>("--parallel") { Description = "Trials at once", DefaultValueFactory = _ => 2 };
        var command = new Command("demo", $"Make the tiny zoo if missing and run the demo grid ({Grid}): LoRA vs CoRA, 2 seeds, end to end") { parallel };
        command.SetAction((parse, cancellation) =>
        {
            if (!File.Exists(Grid))
                throw new FileNotFoundException($"{Grid}: not found; run `cora demo` from the repository root");
            return RunCommand.Run(Grid, db: null, "artifacts/demo", parse.GetValue(parallel),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellation);
        });
        return command;
    }
}
