namespace Cora.Training.Basis;

/// <summary>One source model of a basis, as recorded in the basis file's metadata.</summary>
/// <param name="Path">The directory as the user gave it.</param>
/// <param name="AbsolutePath">The same, made absolute.</param>
/// <param name="Sha256">Content hash of the source as the basis read it (see <see cref="SourceDigest"/>).</param>
public sealed record BasisSource(string Path, string AbsolutePath, string Sha256);
