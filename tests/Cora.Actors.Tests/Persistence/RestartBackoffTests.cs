using Akka.Configuration;
using Cora.Actors.Persistence;
using Cora.Training;

namespace Cora.Actors.Tests.Persistence;

public sealed class RestartBackoffTests
{
    [Fact]
    public void The_defaults_are_one_second_doubling_to_ten_with_a_fifth_at_random()
    {
        Assert.Equal(new RestartBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 0.2), RestartBackoff.Create(CoraConfig.Reference));
    }

    [Theory]
    [InlineData("min = 0s", "cora.coordinator.restart-backoff.min")]
    [InlineData("max = 500ms", "cora.coordinator.restart-backoff.max")]
    [InlineData("random-factor = 1.5", "cora.coordinator.restart-backoff.random-factor")]
    [InlineData("random-factor = -0.1", "cora.coordinator.restart-backoff.random-factor")]
    public void A_bad_value_is_refused_with_its_key(string line, string key)
    {
        var config = ConfigurationFactory.ParseString($"cora.coordinator.restart-backoff.{line}").WithFallback(CoraConfig.Reference);
        var e = Assert.Throws<InvalidInputException>(() => RestartBackoff.Create(config));
        Assert.StartsWith(key + ":", e.Message);
    }

    [Fact]
    public void The_wait_doubles_from_min_stops_at_max_and_the_random_part_comes_on_top()
    {
        var backoff = new RestartBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 0.2);
        Assert.Equal([1, 2, 4, 8, 10, 10], Enumerable.Range(1, 6).Select(n => backoff.Delay(n, random: 0).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(2.4), backoff.Delay(2, random: 1));
        Assert.Equal(TimeSpan.FromSeconds(11), backoff.Delay(100, random: 0.5));
    }
}
