namespace Cora.Training.Tests;

/// <summary>
/// The shared test fixtures (<c>shared/fixtures</c>), found by walking up from the test binaries to
/// the first folder that holds <c>shared/fixtures</c>: the repository sits at <c>/work/main</c>, in a
/// worktree, or in any clone with <c>../shared</c> beside it.
/// </summary>
public static class Fixtures
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>Full path of the <c>shared/fixtures</c> folder.</summary>
    public static string Root => RootPath.Value;

    /// <summary>A Llama checkpoint fixture directory, e.g. <c>Llama("mha-tiny")</c>.</summary>
    public static string Llama(string name)
    {
        var path = Path.Combine(Root, "llama", name);
        return Directory.Exists(path)
            ? path
            : throw new DirectoryNotFoundException($"no Llama fixture '{name}' at {path}");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "fixtures");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"no shared/fixtures folder above {AppContext.BaseDirectory}; clone the repository with ../shared beside it");
    }
}
