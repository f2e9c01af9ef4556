using Cora.Training.Data;

namespace Cora.Training.Zoo;

/// <summary>Whether a task trains the zoo's source models or is held out as a LoRA/CoRA target.</summary>
public enum TaskRole
{
    Source,
    Target,
}

/// <summary>
/// A family of synthetic alpaca examples. Contract for implementations: <see cref="Sample"/>
/// depends only on the generator's draws (no clocks, hashes of objects, dictionary order or
/// culture), and the output is a function of instruction and input, so that two equal prompts
/// never carry different answers.
/// </summary>
public abstract class SyntheticTask
{
    /// <summary>Registry name, e.g. "arithmetic".</summary>
    public abstract string Name { get; }

    /// <summary>One line for the zoo manifest.</summary>
    public abstract string Description { get; }

    public abstract TaskRole Role { get; }

    /// <summary>Draws one example.</summary>
    internal abstract AlpacaExample Sample(SplitMix64 random);
}
