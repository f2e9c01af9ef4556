using System.Security.Cryptography;

namespace Cora.Training.Tests;

/// <summary>The vendored fixtures are intact and current.</summary>
public sealed class FixturesTests
{
    [Theory]
    [InlineData("llama")]
    [InlineData("bertscore")]
    public void Fixtures_match_their_checksums(string folder)
    {
        var root = Path.Combine(Fixtures.Root, folder);
        var lines = File.ReadAllLines(Path.Combine(root, "SHA256SUMS")).Where(l => l.Length > 0).ToList();
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            var (hash, file) = (line[..64], line[64..].TrimStart(' ', '*'));
            using var stream = File.OpenRead(Path.Combine(root, file));
            Assert.True(Convert.ToHexStringLower(SHA256.HashData(stream)) == hash, $"{file} does not match SHA256SUMS");
        }
    }

    [Fact]
    public void Vendored_copy_matches_the_shared_fixtures()
    {
        // Only where the team's shared folder sits beside the repository (sessions and CI); a plain
        // clone has just the copy, and the checksum test above guards it.
        if (Fixtures.Shared is not { } shared) return;
        var files = Directory.EnumerateFiles(shared, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(shared, f)).Order(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var copy = Path.Combine(Fixtures.Root, file);
            Assert.True(File.Exists(copy), $"tests/fixtures/{file} is missing: copy ../shared/fixtures again (tests/fixtures/README.md)");
            Assert.True(File.ReadAllBytes(copy).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(shared, file))),
                $"tests/fixtures/{file} differs from ../shared/fixtures: copy it again (tests/fixtures/README.md)");
        }
    }
}
