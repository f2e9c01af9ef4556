using Cora.Training.Lora;

namespace Cora.Training.Tests.Lora;

public sealed class LoraMethodTests
{
    [Theory]
    [InlineData("lora", LoraMethod.Lora, false, false)]
    [InlineData("cora-fb", LoraMethod.CoraFb, true, true)]
    [InlineData("cora-tb", LoraMethod.CoraTb, true, false)]
    [InlineData("zeros-fb", LoraMethod.ZerosFb, false, true)]
    [InlineData("ones-fb", LoraMethod.OnesFb, false, true)]
    [InlineData("random-fb", LoraMethod.RandomFb, false, true)]
    [InlineData("full-ft", LoraMethod.FullFt, false, false)]
    [InlineData("pissa", LoraMethod.Pissa, false, false)]
    [InlineData("mica-fb", LoraMethod.MicaFb, false, true)]
    public void Names_parse_and_say_what_the_method_needs(string name, LoraMethod method, bool basis, bool freezesB)
    {
        Assert.Equal(method, LoraMethods.Parse(name));
        Assert.Equal(name, method.Name());
        Assert.Equal(basis, method.NeedsBasis());
        Assert.Equal(freezesB, method.FreezesB());
        Assert.Equal(method != LoraMethod.FullFt, method.UsesAdapters());
    }

    [Fact]
    public void An_unknown_name_lists_the_valid_ones()
    {
        var e = Assert.Throws<InvalidInputException>(() => LoraMethods.Parse("cora"));
        Assert.Contains("\"cora\"", e.Message);
        foreach (var name in LoraMethods.Names) Assert.Contains(name, e.Message);
        Assert.Equal(9, LoraMethods.Names.Count);
    }
}
