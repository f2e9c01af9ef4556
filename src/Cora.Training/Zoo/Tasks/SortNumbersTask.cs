using Cora.Training.Data;

namespace Cora.Training.Zoo.Tasks;

/// <summary>Sort 3-6 numbers below 100: comparison without arithmetic.</summary>
internal sealed class SortNumbersTask : SyntheticTask
{
    public override string Name => "sort-numbers";
    public override string Description => "Sort 3-6 numbers from 0 to 99 in ascending order.";
    public override TaskRole Role => TaskRole.Source;

    internal override AlpacaExample Sample(SplitMix64 random)
    {
        var numbers = new int[random.Between(3, 6)];
        for (var i = 0; i < numbers.Length; i++)
            numbers[i] = random.Between(0, 99);
        var sorted = numbers.Order();
        return new AlpacaExample(
            $"Sort these numbers from smallest to largest: {string.Join(", ", numbers)}", "",
            string.Join(", ", sorted));
    }
}
