using Akka.Actor;
using Cora.Actors.Trainer;
using Cora.Training;
using Cora.Training.Checkpoints;
using Cora.Training.Model;

namespace Cora.Actors.Loading;

/// <summary>
/// Checks checkpoints before a trial spends a process on them: config.json reads, the safetensors
/// headers parse (memory-mapped, no weights read) and every tensor the config implies is there
/// with its shape. A verdict is cached per directory until one of its files changes, so the
/// trials of a grid that share a base model check it once. A bad checkpoint fails only the trials
/// that use it, with the file named in the reason. A checkpoint this node cannot see (its
/// directory or config.json missing, an I/O or permission error) is the node's fault, not the
/// checkpoint's: the verdict says so, and the trial is retried on another node.
/// </summary>
public sealed class CheckpointLoader : ReceiveActor
{
    private readonly Dictionary<string, (string Stamp, CheckpointProblem? Problem)> _verdicts = new(StringComparer.Ordinal);

    public CheckpointLoader()
    {
        Receive<CheckCheckpoints>(check =>
        {
            var problem = check.Directories.Select(Verdict).FirstOrDefault(p => p is not null);
            Sender.Tell(new CheckpointsChecked(check.Ticket, problem?.Message, problem?.NodeFault ?? false));
        });
    }

    public static Props Props() => Akka.Actor.Props.Create(() => new CheckpointLoader());

    private CheckpointProblem? Verdict(string directory)
    {
        var stamp = Stamp(directory);
        if (_verdicts.TryGetValue(directory, out var cached) && cached.Stamp == stamp) return cached.Problem;
        var problem = Inspect(directory);
        _verdicts[directory] = (stamp, problem);
        return problem;
    }

    /// <summary>What is wrong with the checkpoint in <paramref name="directory"/>, or null.</summary>
    public static string? Check(string directory) => Inspect(directory)?.Message;

    /// <summary>What is wrong with the checkpoint in <paramref name="directory"/> and whether it is
    /// this node's fault, or null.</summary>
    public static CheckpointProblem? Inspect(string directory)
    {
        var config = Path.Combine(directory, LlamaCheckpoint.ConfigFileName);
        try
        {
            if (!Directory.Exists(directory)) return new CheckpointProblem($"{directory}: no such directory on this node (is its mount there?)", NodeFault: true);
            if (!File.Exists(config)) return new CheckpointProblem($"{config}: no such file on this node", NodeFault: true);
            return Contents(directory) is { } problem ? new CheckpointProblem(problem, NodeFault: false) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            var message = e.Message.Contains(directory, StringComparison.Ordinal) ? e.Message : $"{directory}: {e.Message}";
            return new CheckpointProblem(message, NodeFault: true);
        }
    }

    /// <summary>What is wrong with the files' contents, or null.</summary>
    private static string? Contents(string directory)
    {
        try
        {
            var config = LlamaConfig.Load(Path.Combine(directory, LlamaCheckpoint.ConfigFileName));
            using var weights = SafetensorsCheckpoint.Open(directory);
            var problems = LlamaCheckpoint.Verify(config, weights);
            return problems.Count == 0 ? null : $"{directory}: {string.Join("; ", problems.Take(3))}{(problems.Count > 3 ? $" (and {problems.Count - 3} more)" : "")}";
        }
        catch (InvalidInputException e)
        {
            return e.Message.Contains(directory, StringComparison.Ordinal) ? e.Message : $"{directory}: {e.Message}";
        }
    }

    private static string Stamp(string directory) => !Directory.Exists(directory)
        ? "missing"
        : string.Join(';', new DirectoryInfo(directory).EnumerateFiles().OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));
}

/// <summary>What is wrong with a checkpoint; <paramref name="NodeFault"/>: this node cannot read
/// it (missing here, I/O or permission error), which another node may well do.</summary>
public sealed record CheckpointProblem(string Message, bool NodeFault);
