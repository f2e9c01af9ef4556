using Cora.Training.Data;

namespace Cora.Training.Zoo.Tasks;

/// <summary>Add or subtract two numbers below 100; differences are never negative.</summary>
internal sealed class ArithmeticTask : SyntheticTask
{
    public override string Name => "arithmetic";
    public override string Description => "Add or subtract two numbers from 0 to 99 (non-negative results).";
    public override TaskRole Role => TaskRole.Source;

    internal override AlpacaExample Sample(SplitMix64 random)
    {
        var a = random.Between(0, 99);
        var b = random.Between(0, 99);
        var add = random.Next(2) == 0;
        if (!add && a < b)
            (a, b) = (b, a);
        var expression = add ? $"{a} + {b}" : $"{a} - {b}";
        var instruction = random.Next(2) == 0 ? $"What is {expression}?" : $"Calculate {expression}.";
        return new AlpacaExample(instruction, "", $"{(add ? a + b : a - b)}");
    }
}
