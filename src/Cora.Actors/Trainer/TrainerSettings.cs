using Akka.Configuration;
using Cora.Training;

namespace Cora.Actors.Trainer;

/// <summary>
/// A node's trainer settings (HOCON <c>cora.trainer</c> and <c>cora.artifacts</c>, documented in
/// reference.conf).
/// </summary>
/// <param name="Node">This node's name in status output.</param>
/// <param name="Slots">Trial slots: GPUs, or concurrent CPU trials.</param>
/// <param name="Command">The trial command line before its arguments (<c>trial exec --spec … --out …</c>).</param>
/// <param name="Artifacts">The artifact store directory.</param>
/// <param name="ThreadsPerTrial">CPU threads each trial process may use (OMP_NUM_THREADS).</param>
public sealed record TrainerSettings(string Node, int Slots, IReadOnlyList<string> Command, string Artifacts, int ThreadsPerTrial)
{
    /// <summary>Environment of a trial process: its CPU thread budget, so that parallel CPU trials
    /// share the cores instead of each spawning one thread per core. An operator's own
    /// OMP_NUM_THREADS wins.</summary>
    public IReadOnlyDictionary<string, string> TrialEnvironment() =>
        Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is not null
            ? new Dictionary<string, string>()
            : new Dictionary<string, string> { ["OMP_NUM_THREADS"] = ThreadsPerTrial.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    /// <param name="defaultCommand">Used when <c>cora.trainer.command</c> is empty: this executable.</param>
    public static TrainerSettings Create(Config config, string node, IReadOnlyList<string> defaultCommand)
    {
        var slots = config.GetInt("cora.trainer.slots", 1);
        if (slots < 1) throw new InvalidInputException($"cora.trainer.slots: must be at least 1 (got {slots})");
        var command = config.GetStringList("cora.trainer.command", []).ToList();
        var artifacts = config.GetString("cora.artifacts.path", "artifacts");
        if (string.IsNullOrWhiteSpace(artifacts)) throw new InvalidInputException("cora.artifacts.path: must not be empty");
        var threads = config.GetInt("cora.trainer.threads-per-trial", 0);
        if (threads < 0) throw new InvalidInputException($"cora.trainer.threads-per-trial: must be ≥ 0 (got {threads})");
        if (threads == 0) threads = Math.Max(1, Environment.ProcessorCount / slots);
        return new TrainerSettings(node, slots, command.Count > 0 ? command : defaultCommand, Path.GetFullPath(artifacts), threads);
    }
}
