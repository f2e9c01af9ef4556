using System.Text;
using Cora.Training.Data;

namespace Cora.Training.Tests.Data;

public sealed class AlpacaDatasetTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string PathOf(string name) => _temp.File(name);

    private string Write(string name, string content) => WriteBytes(name, Encoding.UTF8.GetBytes(content));

    private string WriteBytes(string name, byte[] content)
    {
        var path = PathOf(name);
        File.WriteAllBytes(path, content);
        return path;
    }

    private static readonly AlpacaExample[] Samples =
    [
        new("Give the opposite of hot.", "", "cold"),
        new("Make it plural.", "A cat runs.", "Cats run.") { Id = "alpaca-eval-00001" },
        new("Quote \"this\" and a tab\there.", "line one\nline two", "caf\u00e9 \u2713 \\ done"),
    ];

    [Fact]
    public void Save_then_load_round_trips()
    {
        var path = PathOf("data.jsonl");
        AlpacaDataset.Save(path, Samples);
        Assert.Equal(Samples, AlpacaDataset.Load(path));
    }

    [Fact]
    public void Save_writes_utf8_jsonl_without_bom_in_a_stable_key_order()
    {
        var path = PathOf("data.jsonl");
        AlpacaDataset.Save(path, Samples[..2]);
        var bytes = File.ReadAllBytes(path);
        Assert.NotEqual(0xEF, bytes[0]);
        Assert.Equal(
            "{\"instruction\":\"Give the opposite of hot.\",\"input\":\"\",\"output\":\"cold\"}\n"
            + "{\"id\":\"alpaca-eval-00001\",\"instruction\":\"Make it plural.\",\"input\":\"A cat runs.\",\"output\":\"Cats run.\"}\n",
            Encoding.UTF8.GetString(bytes));
    }

    [Fact]
    public void Save_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        var path = Write("data.jsonl", "old content that is not JSON\n");
        AlpacaDataset.Save(path, Samples[..1]);
        Assert.Equal(Samples[..1], AlpacaDataset.Load(path));
        Assert.Equal(["data.jsonl"], new DirectoryInfo(_temp.Path).GetFiles().Select(f => f.Name));
    }

    [Fact]
    public void Failed_save_keeps_the_old_file_and_leaves_no_temporary_file()
    {
        var path = PathOf("data.jsonl");
        AlpacaDataset.Save(path, Samples);
        Assert.Throws<ArgumentException>(() => AlpacaDataset.Save(path, [Samples[0], null!]));
        Assert.Equal(Samples, AlpacaDataset.Load(path));
        Assert.Single(new DirectoryInfo(_temp.Path).GetFiles());
    }

    [Fact]
    public void Save_refuses_an_empty_dataset()
    {
        Assert.Throws<ArgumentException>(() => AlpacaDataset.Save(PathOf("empty.jsonl"), []));
        Assert.Empty(new DirectoryInfo(_temp.Path).GetFiles());
    }

    [Fact]
    public void Loads_jsonl_with_blank_lines_crlf_bom_missing_or_null_input_and_extra_fields()
    {
        var path = WriteBytes("data.jsonl", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(
            "\n{\"instruction\":\"a\",\"output\":\"b\"}\r\n   \r\n"
            + "{\"output\":\"d\",\"input\":null,\"instruction\":\"c\",\"text\":\"ignored\"}\n"
            + "{\"instruction\":\"e\",\"input\":\"f\",\"output\":\"g\",\"id\":\"7\"}")]);
        Assert.Equal(
            [new AlpacaExample("a", "", "b"), new AlpacaExample("c", "", "d"), new AlpacaExample("e", "f", "g") { Id = "7" }],
            AlpacaDataset.Load(path));
    }

    [Fact]
    public void Loads_a_json_array()
    {
        var path = Write("data.json", """
              [
                {"instruction": "a", "input": "", "output": "b"},
                {"instruction": "c", "output": "d"}
              ]
            """);
        Assert.Equal([new AlpacaExample("a", "", "b"), new AlpacaExample("c", "", "d")], AlpacaDataset.Load(path));
    }

    [Theory]
    [InlineData("{\"instruction\":\"a\",\"output\":\"b\"}\n{\"instruction\": \"a\",\n", 2, "not valid JSON")]
    [InlineData("{\"instruction\":\"a\",\"output\":\"b\"}\n\n[1, 2]\n", 3, "expected a JSON object, found an array")]
    [InlineData("\"just a string\"\n", 1, "expected a JSON object, found a string")]
    [InlineData("{\"instruction\":\"a\",\"output\":\"b\"}\n{\"input\":\"x\",\"output\":\"b\"}\n", 2, "missing field \"instruction\"")]
    [InlineData("{\"instruction\":\"a\"}\n", 1, "missing field \"output\"")]
    [InlineData("{\"instruction\":\"a\",\"output\":3}\n", 1, "field \"output\" must be a string, found a number")]
    [InlineData("{\"instruction\":null,\"output\":\"b\"}\n", 1, "field \"instruction\" must be a string, found null")]
    [InlineData("{\"instruction\":\"a\",\"input\":[],\"output\":\"b\"}\n", 1, "field \"input\" must be a string or null, found an array")]
    [InlineData("{\"instruction\":\"a\",\"output\":\"b\",\"id\":5}\n", 1, "field \"id\" must be a string or null, found a number")]
    [InlineData("{\"instruction\":\"a\",\"output\":\"b\",\"output\":\"c\"}\n", 1, "field \"output\" appears twice")]
    public void Jsonl_errors_name_file_line_and_problem(string content, int line, string problem)
    {
        var path = Write("bad.jsonl", content);
        var error = Assert.Throws<InvalidInputException>(() => AlpacaDataset.Load(path));
        Assert.StartsWith($"{path}, line {line}: {problem}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[\n {\"instruction\":\"a\",\"output\":\"b\"},\n {\"instruction\":\"a\"}\n]", 3, "missing field \"output\"")]
    [InlineData("[\n {\"instruction\":\"a\",\"output\":\"b\"},\n\n 42\n]", 4, "expected a JSON object, found a number")]
    [InlineData("[\n {\"instruction\":\"a\",\"output\":\"b\"},\n {\"instruction\": }\n]", 3, "not valid JSON")]
    [InlineData("[\n {\"instruction\":\"a\",\"output\":\"b\"}\n]\n\n{}", 5, "not valid JSON")]
    public void Json_array_errors_name_file_line_and_problem(string content, int line, string problem)
    {
        var path = Write("bad.json", content);
        var error = Assert.Throws<InvalidInputException>(() => AlpacaDataset.Load(path));
        Assert.StartsWith($"{path}, line {line}: {problem}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unclosed_json_array_is_an_error_naming_the_file()
    {
        var path = Write("bad.json", "[\n {\"instruction\":\"a\",\"output\":\"b\"}\n");
        var error = Assert.Throws<InvalidInputException>(() => AlpacaDataset.Load(path));
        Assert.StartsWith(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bad.jsonl")]
    [InlineData("bad.json")]
    public void Invalid_utf8_names_its_line(string name)
    {
        var prefix = name.EndsWith(".json", StringComparison.Ordinal) ? "[\n" : "";
        var path = WriteBytes(name, [
            .. Encoding.UTF8.GetBytes(prefix + "{\"instruction\":\"a\",\"output\":\"b\"}\n{\"instruction\":\"a\",\"output\":\""),
            0xC3, 0x28,
            .. Encoding.UTF8.GetBytes("\"}\n")]);
        var error = Assert.Throws<InvalidInputException>(() => AlpacaDataset.Load(path));
        Assert.Equal($"{path}, line {(prefix.Length == 0 ? 2 : 3)}: not valid UTF-8", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \n\r\n")]
    [InlineData("[]")]
    public void Empty_dataset_is_an_error(string content)
    {
        var path = Write("empty.jsonl", content);
        var error = Assert.Throws<InvalidInputException>(() => AlpacaDataset.Load(path));
        Assert.Equal($"{path}: contains no examples", error.Message);
    }

    [Fact]
    public void Missing_file_is_an_error_naming_it()
    {
        var path = PathOf("absent.jsonl");
        var error = Assert.Throws<FileNotFoundException>(() => AlpacaDataset.Load(path));
        Assert.Equal($"{path}: dataset file not found", error.Message);
    }
}
