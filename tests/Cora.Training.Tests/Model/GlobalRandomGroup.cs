namespace Cora.Training.Tests.Model;

/// <summary>Tests whose results depend on libtorch's default generator over many draws (dropout
/// during training) run alone: the generator is one per process, and tests running beside them
/// would draw from it in between.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRandomGroup
{
    public const string Name = "libtorch default generator";
}
