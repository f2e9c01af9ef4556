using Cora.Actors.Grids;
using Cora.Training;

namespace Cora.Actors.Tests.Grids;

public sealed class HoconFileTests
{
    private const string Text = """
        zoo = "zoo/micro"
        zoo = ${?CORA_ZOO}
        base = ${zoo}"/base"
        """;

    [Fact]
    public void An_unset_optional_environment_variable_keeps_the_default()
    {
        var config = HoconFile.Parse(Text, "t.conf", _ => null);
        Assert.Equal("zoo/micro/base", config.GetString("base"));
    }

    [Fact]
    public void A_set_environment_variable_overrides_the_default_and_feeds_later_substitutions()
    {
        var config = HoconFile.Parse(Text, "t.conf", name => name == "CORA_ZOO" ? "/data/zoo with \"quotes\"" : null);
        Assert.Equal("/data/zoo with \"quotes\"/base", config.GetString("base"));
    }

    [Fact]
    public void A_required_environment_variable_that_is_unset_is_an_error_naming_it()
    {
        var e = Assert.Throws<InvalidInputException>(() => HoconFile.Parse("a = ${CORA_DB}", "t.conf", _ => null));
        Assert.Contains("t.conf", e.Message);
        Assert.Contains("CORA_DB", e.Message);
    }

    [Fact]
    public void Lower_case_substitutions_are_document_paths_not_environment_variables()
    {
        var config = HoconFile.Parse("home = x\nb = ${home}", "t.conf", _ => "from-environment");
        Assert.Equal("x", config.GetString("b"));
    }
}
