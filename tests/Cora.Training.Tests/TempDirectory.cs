namespace Cora.Training.Tests;

/// <summary>A fresh temporary directory, deleted with everything in it on <see cref="Dispose"/>.</summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("cora-test-").FullName;

    /// <summary>A path inside the directory.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
