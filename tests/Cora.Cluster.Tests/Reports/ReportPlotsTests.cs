using System.Buffers.Binary;
using System.Xml.Linq;
using Cora.Cluster.Reports;
using Cora.Training.Basis;
using Cora.Training.Checkpoints;

namespace Cora.Cluster.Tests.Reports;

public sealed class ReportPlotsTests : IDisposable
{
    private static readonly double[] Line = [1, 2];
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>Asserts a PNG by its signature and IHDR size, an SVG by parsing it; returns the SVG's text.</summary>
    private string AssertRendered(ReportFigure figure)
    {
        var png = File.ReadAllBytes(_temp.File(figure.Stem + ".png"));
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(ReportPlots.Width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(ReportPlots.Height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.True(png.Length > 5000, $"{figure.Stem}.png is only {png.Length} bytes");
        var svg = XDocument.Load(_temp.File(figure.Stem + ".svg"));
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        return string.Concat(svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value + "\n"));
    }

    [Fact]
    public void Metric_vs_rank_and_vs_sources_draw_one_series_per_method_with_labels()
    {
        var data = ReportSamples.Grid();
        var rougeL = ReportMetric.All.Single(m => m.Key == "rougeL");
        var byRank = ReportPlots.MetricVsRank(data, "alpaca", rougeL, _temp.Path)!;
        var text = AssertRendered(byRank);
        Assert.Contains("lora", text);
        Assert.Contains("cora-fb", text);
        Assert.Contains("cora-tb", text);
        Assert.Contains("ROUGE-L vs rank (alpaca)", text);
        var bySources = ReportPlots.MetricVsSources(data, "alpaca", ReportMetric.All.Single(m => m.Key == "eval_loss"), _temp.Path)!;
        Assert.Contains("Eval loss (lower is better)", AssertRendered(bySources));
        Assert.Null(ReportPlots.MetricVsRank(data, "other-dataset", rougeL, _temp.Path));
    }

    [Fact]
    public void Training_loss_curves_come_from_the_trials_that_recorded_them()
    {
        var figure = ReportPlots.TrainingLoss(ReportSamples.Grid(), "alpaca", _temp.Path)!;
        var text = AssertRendered(figure);
        Assert.Contains("lora", text);
        Assert.Contains("cora-fb (3 sources)", text);
        Assert.DoesNotContain("cora-tb", text);   // recorded no losses (an older result.json)
    }

    [Fact]
    public void Plot_text_is_rendered_with_an_installed_font()
    {
        // Without a font SkiaSharp draws no glyphs and both images come out the same.
        string Render(string title)
        {
            var plot = new ScottPlot.Plot();
            plot.Add.Scatter(Line, Line);
            plot.Title(title);
            var path = _temp.File(title + ".png");
            plot.SavePng(path, 200, 100);
            return Convert.ToHexString(File.ReadAllBytes(path));
        }
        Assert.NotEqual(Render("AAAA"), Render("WWWW"));
    }

    [Fact]
    public void The_spectrum_is_exact_with_the_recorded_total_energy_and_relative_without_it()
    {
        var mha = Fixtures.Llama("mha-tiny");
        var full = BasisExtractor.Extract(new BasisOptions([mha], 32, _temp.File("full.safetensors"), BasisMode.SharedQkv, BasisMethod.Eigh, null)).Output;
        var top = BasisExtractor.Extract(new BasisOptions([mha], 4, _temp.File("top.safetensors"), BasisMode.SharedQkv, BasisMethod.Eigh, null)).Output;
        var (all, exact) = ReportPlots.ExplainedEnergy(full);
        Assert.True(exact);
        Assert.Equal(32, all.Length);
        Assert.Equal(1.0, all[^1], 4);   // rank 32 is the whole spectrum of a 32 × 96 block
        Assert.True(all.Zip(all.Skip(1), (a, b) => a <= b).All(ok => ok), "cumulative");
        var (four, _) = ReportPlots.ExplainedEnergy(top);
        Assert.Equal(all[3], four[3], 5);   // the same fraction, from 4 stored values and the total

        // A file from before the total was recorded: normalised by its own top-R sum.
        var old = _temp.File("old.safetensors");
        using (var file = SafetensorsFile.Open(top))
        {
            var tensors = file.Tensors.Select(t => (t.Name, file.Load(t.Name))).ToList();
            SafetensorsWriter.Write(old, tensors, file.Metadata.Where(m => m.Key != BasisExtractor.MetadataKeys.TotalEnergy).ToDictionary());
            tensors.ForEach(t => t.Item2.Dispose());
        }
        var (relative, oldExact) = ReportPlots.ExplainedEnergy(old);
        Assert.False(oldExact);
        Assert.Equal(1.0, relative[^1], 9);

        var data = new SweepData("s", "n", [
            ReportSamples.Trial("cora-fb", 4, 2, 0, 0.4, 2, good: true) with { BasisPath = top },
            ReportSamples.Trial("cora-fb", 4, 5, 0, 0.4, 2, good: true) with { BasisPath = old },
        ]);
        var figure = ReportPlots.Spectrum(data, _temp.Path, TextWriter.Null)!;
        var text = AssertRendered(figure);
        Assert.Contains("2 source models", text);
        Assert.Contains("5 source models (relative to top R)", text);
        Assert.Contains("normalised by the sum of their own top-R singular values", figure.Caption);
    }
}
