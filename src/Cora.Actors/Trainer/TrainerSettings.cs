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
/// <param name="Gpus">The CUDA devices the slots share (null or none: CPU only).</param>
public sealed record TrainerSettings(string Node, int Slots, IReadOnlyList<string> Command, string Artifacts, int ThreadsPerTrial, CudaDevices? Gpus = null)
{
    /// <summary>How often a busy slot renews its lease and re-sends unacknowledged results.</summary>
    public TimeSpan HeartbeatEvery { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Node faults in a row after which the slot quarantines itself.</summary>
    public int QuarantineAfter { get; init; } = 3;

    /// <summary>How often a quarantined slot checks itself.</summary>
    public TimeSpan RecheckEvery { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline of the checkpoint check.</summary>
    public TimeSpan CheckDeadline { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Deadline of basis extraction.</summary>
    public TimeSpan BasisDeadline { get; init; } = TimeSpan.FromHours(6);

    /// <summary>Deadline of scoring.</summary>
    public TimeSpan ScoringDeadline { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Environment of slot <paramref name="slot"/>'s trial process: its CPU thread budget,
    /// so parallel CPU trials share the cores instead of each spawning one thread per core (an
    /// operator's own OMP_NUM_THREADS wins), and on a GPU node its own device, so that the trial's
    /// <c>cuda</c> is this slot's GPU: one of the devices the node was given
    /// (<see cref="CudaDevices.ForSlot"/>).</summary>
    public IReadOnlyDictionary<string, string> TrialEnvironment(int slot)
    {
        var environment = new Dictionary<string, string>();
        if (Environment.GetEnvironmentVariable("OMP_NUM_THREADS") is null)
            environment["OMP_NUM_THREADS"] = ThreadsPerTrial.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (Gpus?.ForSlot(slot) is { } device)
        {
            environment[CudaDevices.Variable] = device;
            // Device indices as nvidia-smi numbers them (by PCI bus), as operators write them and
            // as the trial's memory check asks nvidia-smi; CUDA's own default is fastest first.
            if (Environment.GetEnvironmentVariable("CUDA_DEVICE_ORDER") is null) environment["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID";
        }
        return environment;
    }

    /// <summary>The settings of a node that found <paramref name="gpus"/> CUDA devices; the
    /// devices it was given are read here, once, from the <c>CUDA_VISIBLE_DEVICES</c> it inherited
    /// (see <see cref="CudaDevices.FromInherited"/>).</summary>
    /// <param name="defaultCommand">Used when <c>cora.trainer.command</c> is empty: this executable.</param>
    /// <param name="gpus">CUDA devices this node has (as CUDA counts them, after its own
    /// <c>CUDA_VISIBLE_DEVICES</c>).</param>
    public static TrainerSettings Create(Config config, string node, IReadOnlyList<string> defaultCommand, int gpus = 0) =>
        Create(config, node, defaultCommand, CudaDevices.FromInherited(Environment.GetEnvironmentVariable(CudaDevices.Variable), gpus));

    /// <param name="defaultCommand">Used when <c>cora.trainer.command</c> is empty: this executable.</param>
    /// <param name="gpus">The CUDA devices the node's slots share.</param>
    public static TrainerSettings Create(Config config, string node, IReadOnlyList<string> defaultCommand, CudaDevices gpus)
    {
        var slots = config.GetInt("cora.trainer.slots", 0);
        if (slots < 0) throw new InvalidInputException($"cora.trainer.slots: must be ≥ 0 (got {slots})");
        if (slots == 0) slots = Math.Max(1, gpus.Count);
        var command = config.GetStringList("cora.trainer.command", []).ToList();
        var artifacts = config.GetString("cora.artifacts.path", "");
        if (string.IsNullOrWhiteSpace(artifacts)) throw new InvalidInputException("cora.artifacts.path: must not be empty");
        var threads = config.GetInt("cora.trainer.threads-per-trial", 0);
        if (threads < 0) throw new InvalidInputException($"cora.trainer.threads-per-trial: must be ≥ 0 (got {threads})");
        if (threads == 0) threads = Math.Max(1, Environment.ProcessorCount / slots);
        var quarantineAfter = config.GetInt("cora.trainer.quarantine-after", 3);
        if (quarantineAfter < 1) throw new InvalidInputException($"cora.trainer.quarantine-after: must be ≥ 1 (got {quarantineAfter})");
        return new TrainerSettings(node, slots, command.Count > 0 ? command : defaultCommand, Path.GetFullPath(artifacts), threads, gpus)
        {
            HeartbeatEvery = Positive(config, "cora.trainer.heartbeat-every", TimeSpan.FromSeconds(5)),
            QuarantineAfter = quarantineAfter,
            RecheckEvery = Positive(config, "cora.trainer.recheck-every", TimeSpan.FromSeconds(30)),
            CheckDeadline = Positive(config, "cora.trainer.deadlines.check", TimeSpan.FromMinutes(10)),
            BasisDeadline = Positive(config, "cora.trainer.deadlines.basis", TimeSpan.FromHours(6)),
            ScoringDeadline = Positive(config, "cora.trainer.deadlines.scoring", TimeSpan.FromHours(2)),
        };
    }

    private static TimeSpan Positive(Config config, string key, TimeSpan fallback)
    {
        var value = config.GetTimeSpan(key, fallback);
        return value > TimeSpan.Zero ? value : throw new InvalidInputException($"{key}: must be positive (got {value})");
    }
}
