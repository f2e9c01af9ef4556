using Cora.Cluster.Reports;
using Cora.Training.Scoring;

namespace Cora.Cluster.Tests.Reports;

public sealed class SeedStatisticsTests
{
    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(4, 2.776)]
    [InlineData(9, 2.262)]
    [InlineData(30, 2.042)]
    public void T_quantiles_match_the_tables(int dof, double expected) =>
        Assert.Equal(expected, SeedStatistics.TQuantile975(dof), 3);

    [Fact]
    public void Five_seeds_give_the_mean_and_the_t_interval_with_n_minus_1()
    {
        // mean 3, s² = (4+1+0+1+4)/4 = 2.5, half-width = 2.7764451 · √2.5 / √5 = 2.7764451 · 0.7071068 = 1.963243.
        var stats = SeedStatistics.Of([1, 2, 3, 4, 5])!;
        Assert.Equal(3, stats.Mean, 12);
        Assert.Equal(1.963243, stats.HalfWidth!.Value, 5);
        Assert.Equal(5, stats.N);
        Assert.Equal("300.00 ± 196.32", stats.Format(100, 2));
    }

    [Fact]
    public void Two_seeds_use_t_with_one_degree_of_freedom()
    {
        // mean 0.5, s = √0.02 = 0.141421, half-width = 12.706205 · 0.141421 / √2 = 1.2706205.
        var stats = SeedStatistics.Of([0.4, 0.6])!;
        Assert.Equal(1.2706205, stats.HalfWidth!.Value, 6);
    }

    [Fact]
    public void One_seed_has_no_interval_and_says_n_1_and_none_has_no_statistics()
    {
        var stats = SeedStatistics.Of([2.93087])!;
        Assert.Null(stats.HalfWidth);
        Assert.Equal("2.9309 (n=1)", stats.Format(1, 4));
        Assert.Null(SeedStatistics.Of([]));
    }

    private static BootstrapComparison Comparison(double difference, double p) =>
        new("rougeL", 10, 0.5 + difference, 0.5, difference, difference - 0.1, difference + 0.1, p, 1000, 0, 0, 0);

    [Fact]
    public void Verdicts_follow_the_metric_direction_and_the_p_value()
    {
        Assert.Equal("better", Verdict.From(Comparison(0.1, 0.01), lowerIsBetter: false).Text);
        Assert.Equal("worse", Verdict.From(Comparison(-0.1, 0.01), lowerIsBetter: false).Text);
        // A loss: higher is worse, lower is better.
        Assert.Equal("worse", Verdict.From(Comparison(0.1, 0.01), lowerIsBetter: true).Text);
        Assert.Equal("better", Verdict.From(Comparison(-0.1, 0.01), lowerIsBetter: true).Text);
        var ns = Verdict.From(Comparison(0.1, 0.2), lowerIsBetter: false);
        Assert.Equal("n.s. (p=0.200)", ns.ToString());
        Assert.Equal("n.s.", Verdict.From(Comparison(0, 0), lowerIsBetter: false).Text);
    }
}
