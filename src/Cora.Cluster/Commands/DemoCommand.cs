using System.CommandLine;

namespace Cora.Cluster.Commands;

/// <summary>
/// <c>cora demo</c>: the README's run command — <c>cora run hocon/grids/smoke.conf</c>, which makes
/// the micro zoo first when it is missing. Run from the repository root.
/// </summary>
public static class DemoCommand
{
    public const string Grid = "hocon/grids/smoke.conf";

    public static Command Create()
    {
        var parallel = new Option<int>("--parallel") { Description = "Trials at once", DefaultValueFactory = _ => 2 };
        var command = new Command("demo", $"Make the micro zoo if missing and run the smoke grid ({Grid}) end to end") { parallel };
        command.SetAction((parse, cancellation) =>
        {
            if (!File.Exists(Grid))
                throw new FileNotFoundException($"{Grid}: not found; run `cora demo` from the repository root");
            return RunCommand.Run(Grid, db: null, "artifacts/smoke", parse.GetValue(parallel),
                parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancellation);
        });
        return command;
    }
}
