using Cora.Build;

namespace Cora.Training.Tests.Build;

/// <summary>The build task that makes TorchSharp's native library load on stock Debian/Ubuntu.</summary>
public sealed class WeakenElfVersionNeedTests : IDisposable
{
    const string Anchor = "GLIBCXX_3.4.32";
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The untouched library as NuGet ships it.</summary>
    static string PristineLibrary()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(packages, "torchsharp", typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(3),
            "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(path), $"expected the NuGet copy of the library at {path}");
        return path;
    }

    [Fact]
    public void Shipped_library_needs_the_anchor_version_strongly()
    {
        var needs = WeakenElfVersionNeed.ReadVersionNeeds(PristineLibrary());
        var anchor = Assert.Single(needs, n => n.Name == Anchor);
        Assert.Equal("libstdc++.so.6", anchor.File);
        Assert.Equal(0, anchor.Flags & WeakenElfVersionNeed.VerFlagWeak);
    }

    [Fact]
    public void Patch_sets_only_the_weak_flag_and_is_idempotent()
    {
        var copy = _temp.File("lib.so");
        File.Copy(PristineLibrary(), copy);
        var before = File.ReadAllBytes(copy);

        Assert.Equal(WeakenElfVersionNeed.PatchResult.Patched, WeakenElfVersionNeed.Patch(copy, Anchor));
        var after = File.ReadAllBytes(copy);
        Assert.Equal(before.Length, after.Length);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToList();
        var anchor = Assert.Single(WeakenElfVersionNeed.ReadVersionNeeds(copy), n => n.Name == Anchor);
        Assert.Equal([anchor.FlagsOffset], changed.Select(i => (long)i));
        Assert.NotEqual(0, anchor.Flags & WeakenElfVersionNeed.VerFlagWeak);

        // Every other requirement is untouched.
        var others = WeakenElfVersionNeed.ReadVersionNeeds(copy).Where(n => n.Name != Anchor);
        Assert.All(others, n => Assert.Equal(0, n.Flags & WeakenElfVersionNeed.VerFlagWeak));

        Assert.Equal(WeakenElfVersionNeed.PatchResult.AlreadyWeak, WeakenElfVersionNeed.Patch(copy, Anchor));
        Assert.Equal(after, File.ReadAllBytes(copy));
    }

    [Fact]
    public void Library_without_the_version_is_left_alone()
    {
        var copy = _temp.File("lib.so");
        File.Copy(PristineLibrary(), copy);
        Assert.Equal(WeakenElfVersionNeed.PatchResult.NotRequired, WeakenElfVersionNeed.Patch(copy, "GLIBCXX_99.0"));
    }

    [Fact]
    public void Copy_in_the_test_output_is_patched_by_the_build()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        var anchor = Assert.Single(WeakenElfVersionNeed.ReadVersionNeeds(output), n => n.Name == Anchor);
        Assert.NotEqual(0, anchor.Flags & WeakenElfVersionNeed.VerFlagWeak);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "not an ELF file")]
    [InlineData(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F', 1, 1 }, "not an ELF file")] // shorter than a header
    public void Non_elf_input_is_rejected(byte[] content, string message)
    {
        var path = _temp.File("bad.so");
        File.WriteAllBytes(path, content);
        var e = Assert.Throws<InvalidDataException>(() => WeakenElfVersionNeed.ReadVersionNeeds(path));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Truncated_library_is_rejected_not_misread()
    {
        var path = _temp.File("cut.so");
        File.WriteAllBytes(path, File.ReadAllBytes(PristineLibrary())[..4096]);
        var e = Assert.Throws<InvalidDataException>(() => WeakenElfVersionNeed.ReadVersionNeeds(path));
        Assert.Contains("outside the file", e.Message);
    }
}
