namespace Cora.Tests;

/// <summary>One PostgreSQL server shared by the test classes of this collection; each test
/// class takes <see cref="PostgresServer"/> in its constructor and usually calls
/// <see cref="PostgresServer.CreateDatabase"/> for a database of its own.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresGroup : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
