using System.Security.Cryptography;

namespace Cora.Training.IO;

/// <summary>Content hashes of files, streamed (a 26 GB checkpoint is never in memory).</summary>
public static class FileHash
{
    /// <summary>Lower-case hex SHA-256 of the file's bytes, as <c>sha256sum</c> prints it.</summary>
    public static string Sha256(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
