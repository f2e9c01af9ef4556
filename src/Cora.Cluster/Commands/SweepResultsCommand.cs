using System.CommandLine;
using Cora.Actors.Control;
using Cora.Actors.Coordinator;
using Cora.Cluster.Reports;

namespace Cora.Cluster.Commands;

/// <summary><c>cora sweep results ID [--format table|csv|json]</c>: the same table, CSV and
/// results.json array as <c>cora run</c> writes.</summary>
public static class SweepResultsCommand
{
    public static Command Create()
    {
        var options = new ConsoleOptions();
        var id = new Argument<string>("ID") { Description = "Sweep id" };
        var format = new Option<string>("--format") { Description = "table, csv or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var command = new Command("results", "Results of a sweep, one row per trial") { id, format };
        options.AddTo(command);
        command.SetAction(async (parse, cancellation) =>
        {
            await using var client = options.Connect(parse);
            var results = await client.Results(parse.GetValue(id)!, cancellation);
            if (results.Rows.Count == 0) throw new Training.InvalidInputException($"no sweep {parse.GetValue(id)} (see `cora sweep list`)");
            var output = parse.InvocationConfiguration.Output;
            var chosen = parse.GetValue(options.Json) ? "json" : parse.GetValue(format);
            output.Write(chosen switch
            {
                "json" => ResultsTable.ToJson(results.Rows) + "\n",
                "csv" => ResultsTable.ToCsv(results.Rows),
                _ => ResultsTable.Format(results.Rows),
            });
            return ExitCodes.Ok;
        });
        return command;
    }
}
