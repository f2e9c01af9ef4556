using System.Reflection;
using Akka.Configuration;

namespace Cora.Actors;

/// <summary>Cora.Actors' <c>reference.conf</c>, embedded in the assembly.</summary>
public static class CoraConfig
{
    public static Config Reference { get; } = Load();

    private static Config Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Cora.Actors.reference.conf")
            ?? throw new InvalidOperationException("Cora.Actors.reference.conf is not embedded in the assembly");
        using var reader = new StreamReader(stream);
        return ConfigurationFactory.ParseString(reader.ReadToEnd());
    }
}
