using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cora.Cluster.Commands;
using Microsoft.Data.Sqlite;

namespace Cora.Cluster.Tests.Commands;

/// <summary>
/// `cora report` on real sweeps: the smoke grid once, then a cheap second "night" (LoRA alone with
/// one more seed: one new trial, the rest reused by content id), each reported from the journal.
/// </summary>
[Collection(MicroZooGroup.Name)]
public sealed partial class ReportCommandTests(MicroZoo zoo) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string Artifacts => _temp.File("artifacts");

    private string Journal => Path.Combine(Artifacts, "cora.db");

    private string RunGrid(string grid)
    {
        var run = Cli.Invoke("run", grid, "--artifacts", Artifacts, "--parallel", "2");
        Assert.True(run.ExitCode == ExitCodes.Ok, run.Stderr);
        return SweepId().Match(run.Stderr).Groups[1].Value;
    }

    [GeneratedRegex(@"\(sweep ([0-9a-f]+)\)")]
    private static partial Regex SweepId();

    /// <summary>(events, highest sequence number, snapshots) of the journal.</summary>
    private (long, long, long) JournalState()
    {
        using var connection = new SqliteConnection($"Data Source={Journal};Pooling=False");
        connection.Open();
        long Scalar(string sql)
        {
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            return Convert.ToInt64(command.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
        }
        return (Scalar("SELECT count(*) FROM event_journal"), Scalar("SELECT coalesce(max(sequence_nr), 0) FROM event_journal"), Scalar("SELECT count(*) FROM snapshot"));
    }

    [Fact]
    public void The_default_directory_is_under_the_artifact_store_the_trials_show_else_here()
    {
        static Cora.Actors.Coordinator.SweepResults Results(string? outputDir) => Cora.Actors.Coordinator.SweepResults.Whole("abc", [new Cora.Actors.Coordinator.TrialRow(
            "t1", "lora", 4, 0, "alpaca", 0, outputDir is null ? "failed" : "succeeded", 1, new Dictionary<string, JsonElement>(), OutputDir: outputDir)]);
        Assert.Equal(Path.Combine("/store", "reports", "abc"), ReportCommand.DefaultDirectory(Results("/store/trials/t1/attempt-2")));
        Assert.Equal(Path.Combine("reports", "abc"), ReportCommand.DefaultDirectory(Results(null)));
        Assert.Equal(Path.Combine("reports", "abc"), ReportCommand.DefaultDirectory(Results("/elsewhere/t1")));
    }

    [Fact]
    public void Reports_a_sweep_from_its_journal_and_what_changed_since_a_baseline()
    {
        var first = RunGrid(zoo.SmokeGrid(_temp.File("smoke.conf")));
        var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(Artifacts, "results.json"))).RootElement.EnumerateArray().ToList();
        var journalBefore = JournalState();

        var report = Cli.Invoke("report", first, "--db", Journal);
        Assert.True(report.ExitCode == ExitCodes.Ok, report.Stderr);
        Assert.Equal(journalBefore, JournalState());   // read-only: nothing journaled, nothing requeued
        var directory = Path.Combine(Artifacts, "reports", first);   // the store is known from the trials' directories
        var files = report.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Path.Combine(directory, "index.html"), files[^1]);
        Assert.All(files, f => Assert.True(File.Exists(f), f));
        foreach (var name in new[] { "table1.md", "table1.csv", "table2.md", "table2.csv", "table3.csv", "table4.md", "spectrum.png", "spectrum.svg",
                     "train-loss-alpaca.png", "rank-alpaca-eval_loss.svg", "sources-alpaca-eval_loss.png" })
            Assert.Contains(Path.Combine(directory, name), files);

        // Table 2's cells are the trials' own values (one seed: the mean is the value, n=1).
        var table2 = File.ReadAllLines(Path.Combine(directory, "table2.csv")).Select(l => l.Split(',')).ToList();
        var header = table2[0];
        Assert.Equal(["lora", "cora-fb", "cora-tb"], table2.Skip(1).Select(r => r[1]));
        foreach (var row in table2.Skip(1))
        {
            var trial = results.Single(r => r.GetProperty("method").GetString() == row[1] && r.GetProperty("rank").GetInt32().ToString(CultureInfo.InvariantCulture) == row[2]
                && (row[3] == "-" ? 0 : int.Parse(row[3], CultureInfo.InvariantCulture)) == r.GetProperty("sources").GetInt32());
            Assert.Equal(trial.GetProperty("eval_loss").GetDouble(), double.Parse(row[Array.IndexOf(header, "Eval loss")], CultureInfo.InvariantCulture), 12);
            Assert.Equal(trial.GetProperty("bertscore_f1").GetDouble() * 100, double.Parse(row[Array.IndexOf(header, "BERTScore")], CultureInfo.InvariantCulture), 9);
            Assert.Equal("1", row[Array.IndexOf(header, "Eval loss n")]);
            Assert.Equal(row[1] == "lora" ? "reference" : "—", row[Array.IndexOf(header, "Eval loss verdict")]);
            // The micro zoo writes no matching text: every ROUGE-L is 0 on both sides, which is no difference.
            Assert.Equal(row[1] == "lora" ? "reference" : "n.s.", row[Array.IndexOf(header, "ROUGE-L verdict")]);
        }
        Assert.Contains("| zeros-fb | 4 | - | 1 |", File.ReadAllText(Path.Combine(directory, "table4.md")));
        var index = File.ReadAllText(Path.Combine(directory, "index.html"));
        Assert.Contains("<img src=\"spectrum.png\"", index);
        Assert.Contains("<a href=\"spectrum.svg\">", index);
        Assert.Contains("<a href=\"table2.csv\">", index);
        Assert.DoesNotContain("http", index);   // self-contained
        Assert.Contains("reading the artifacts of 6 trial(s)", report.Stderr);

        // Night 2: LoRA alone with a second seed. Only LoRA seed 1 is new.
        var night2 = _temp.File("night2.conf");
        File.WriteAllText(night2, File.ReadAllText(_temp.File("smoke.conf"))
            .Replace("methods = [lora, cora-fb, cora-tb, zeros-fb]", "methods = [lora]", StringComparison.Ordinal)
            .Replace("seeds = [0]", "seeds = [0, 1]", StringComparison.Ordinal));
        var second = RunGrid(night2);
        Assert.NotEqual(first, second);
        var outDir = _temp.File("night2-report");
        var changes = Cli.Invoke("report", "latest", "--db", Journal, "--baseline", first, "--out", outDir);
        Assert.True(changes.ExitCode == ExitCodes.Ok, changes.Stderr);
        var changesMd = File.ReadAllText(Path.Combine(outDir, "changes.md"));
        Assert.Contains($"Sweep {second} against baseline {first}: 1 trial(s) added, 5 removed, 0 changed status", changesMd);
        Assert.Contains("| alpaca | lora | 4 | 0 | Eval loss |", changesMd);
        Assert.Contains("| lora | 4 | - | 2 | ", File.ReadAllText(Path.Combine(outDir, "table3.md")));   // two seeds: an interval
        Assert.Contains(" ± ", File.ReadAllText(Path.Combine(outDir, "table3.md")));
        Assert.Contains("omitted for alpaca — no cora-fb or cora-tb trial succeeded", File.ReadAllText(Path.Combine(outDir, "table1.md")));
        Assert.Contains("<a href=\"changes.md\">", File.ReadAllText(Path.Combine(outDir, "index.html")));

        // Bad input names the thing.
        var unknown = Cli.Invoke("report", "0123456789abcdef", "--db", Journal);
        Assert.Equal(ExitCodes.DataError, unknown.ExitCode);
        Assert.Contains("no sweep 0123456789abcdef", unknown.Stderr);
        Assert.Contains("cora sweep list", unknown.Stderr);
        Assert.Contains(first, unknown.Stderr);
        var missing = Cli.Invoke("report", "latest", "--db", _temp.File("nothing.db"));
        Assert.Equal(ExitCodes.NoInput, missing.ExitCode);
        Assert.Contains("nothing.db: no such journal", missing.Stderr);
        Assert.False(File.Exists(_temp.File("nothing.db")));
    }
}
