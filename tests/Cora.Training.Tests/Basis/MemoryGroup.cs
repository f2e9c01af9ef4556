namespace Cora.Training.Tests.Basis;

/// <summary>Tests that measure the process's memory run alone: other tests' allocations would
/// move the readings.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryGroup
{
    public const string Name = "process memory";
}
