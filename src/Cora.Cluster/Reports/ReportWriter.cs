using Cora.Actors.Coordinator;
using Cora.Training.IO;

namespace Cora.Cluster.Reports;

/// <summary>
/// Writes a sweep's report into one directory: table1–4 as .md and .csv, init.md, claims.md, the
/// plots as .png and .svg, changes.md/.csv when there is a baseline, and index.html last. Returns the written files
/// (index.html last). Text files are written atomically; progress goes to <paramref name="log"/>.
/// </summary>
public static class ReportWriter
{
    /// <summary>Under the artifact store: one directory per report (the dashboard links them).</summary>
    public const string StoreDirectory = "reports";

    public static IReadOnlyList<string> Write(SweepResults results, string name, SweepResults? baseline, string directory, TextWriter log)
    {
        Directory.CreateDirectory(directory);
        log.WriteLine($"cora report: reading the artifacts of {results.Rows.Count} trial(s)");
        var data = new SweepData(results.SweepId, name, [.. results.Rows.Select(r => ReportTrial.Load(r, log))]);
        var files = new List<string>();
        void Text(string file, string content)
        {
            AtomicFile.WriteAllText(Path.Combine(directory, file), content);
            files.Add(file);
        }

        log.WriteLine("cora report: tables (paired bootstrap against LoRA)");
        var tables = ByAInit(data).Concat(InitTable.Build(data)).ToList();
        foreach (var group in tables.GroupBy(t => t.Name))
        {
            var ofName = group.ToList();
            Text(group.Key + ".md", TableText.Markdown(ofName));
            if (ofName.Any(t => t.Omitted is null)) Text(group.Key + ".csv", TableText.Csv(ofName));
        }

        log.WriteLine("cora report: the paper's claims");
        Text("claims.md", PaperClaims.Markdown(PaperClaims.Build(data), data.SweepId, data.Name));

        log.WriteLine("cora report: plots");
        // The paper's init: plots never mix two A inits in one curve.
        var figures = ReportPlots.Write(data.AInits.Count > 1 ? data.View(SweepData.Kaiming) : data, directory, log);
        files.AddRange(figures.SelectMany(f => new[] { f.Stem + ".png", f.Stem + ".svg" }));

        SweepChanges? changes = null;
        if (baseline is not null)
        {
            changes = SweepChanges.Between(baseline, results);
            Text("changes.md", changes.Markdown());
            Text("changes.csv", changes.Csv());
        }
        var listed = files.ToList();
        Text(ReportIndex.FileName, ReportIndex.Html(data, tables, figures, changes, listed));
        return [.. files.Select(f => Path.Combine(directory, f))];
    }

    /// <summary>The paper's tables, once per A init the sweep ran: the Kaiming ones (the paper's)
    /// under their own names, the others as table1-a0 … with the init in the title.</summary>
    private static IEnumerable<PaperTable> ByAInit(SweepData data)
    {
        if (data.AInits.All(a => a == SweepData.Kaiming)) return PaperTables.Build(data);
        return data.AInits.SelectMany(aInit => PaperTables.Build(data.View(aInit)).Select(t => aInit == SweepData.Kaiming ? t
            : t with { Name = $"{t.Name}-a0", Title = $"{t.Title} (A₀ = 0)", Omitted = t.Omitted is null ? null : $"{t.Omitted} (A₀ = 0)" }));
    }
}
