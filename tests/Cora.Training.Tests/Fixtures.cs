namespace Cora.Training.Tests;

/// <summary>
/// The reference fixtures in <c>tests/fixtures</c> (a copy of the team's <c>shared/fixtures</c>),
/// found by walking up from the test binaries to the repository root (the folder with CoRA.sln).
/// </summary>
public static class Fixtures
{
    private static readonly Lazy<string> RepositoryPath = new(FindRepository);

    /// <summary>The repository root.</summary>
    public static string Repository => RepositoryPath.Value;

    /// <summary>Full path of <c>tests/fixtures</c>.</summary>
    public static string Root => Path.Combine(Repository, "tests", "fixtures");

    /// <summary>The team's <c>shared/fixtures</c> beside the repository, or null where there is none.</summary>
    public static string? Shared
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Repository, "..", "shared", "fixtures"));
            return Directory.Exists(path) ? path : null;
        }
    }

    /// <summary>A Llama checkpoint fixture directory, e.g. <c>Llama("mha-tiny")</c>.</summary>
    public static string Llama(string name)
    {
        var path = Path.Combine(Root, "llama", name);
        return Directory.Exists(path)
            ? path
            : throw new DirectoryNotFoundException($"no Llama fixture '{name}' at {path}");
    }

    private static string FindRepository()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CoRA.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException($"no CoRA.sln above {AppContext.BaseDirectory}: tests must run from a clone of the repository");
    }
}
