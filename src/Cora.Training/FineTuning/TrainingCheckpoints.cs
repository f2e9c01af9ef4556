using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cora.Training.Checkpoints;
using Cora.Training.IO;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cora.Training.FineTuning;

/// <summary>
/// The checkpoints of one trial's training, shared by its attempts: a later attempt resumes where
/// the newest complete one left off, and ends bitwise where an uninterrupted run ends (CPU).
/// </summary>
/// <remarks>
/// Each checkpoint is a directory <c>step-NNNNNNNN/</c> holding what the next step depends on:
/// <list type="bullet">
/// <item><c>trainable.safetensors</c>: the trainable parameters, bytes as they are;</item>
/// <item><c>optimizer.bin</c>: AdamW's moments and step counts (TorchSharp's own format);</item>
/// <item><c>rng.bin</c>: the CPU generator's state (dropout masks);</item>
/// <item><c>state.json</c>: the step, the losses and tokens so far, and the trial's fingerprint.</item>
/// </list>
/// The learning rate is a function of the step, and the data order is replayed from the seed,
/// so neither is stored. A checkpoint is written into a hidden directory and renamed into place
/// whole, so a kill -9 leaves either a complete checkpoint or a hidden leftover (removed by the
/// next attempt). Older checkpoints are deleted once a newer one is in place; the trial deletes
/// the lot (<see cref="Delete"/>) when it succeeds.
/// </remarks>
/// <param name="directory">The trial's checkpoint directory (every attempt's the same).</param>
/// <param name="fingerprint">What the trial is (its spec's hash): a checkpoint of anything else is
/// never resumed from.</param>
public sealed class TrainingCheckpoints(string directory, string fingerprint)
{
    private const string Prefix = "step-";
    private const string WeightsFile = "trainable.safetensors";
    private const string OptimizerFile = "optimizer.bin";
    private const string RngFile = "rng.bin";
    private const string StateFile = "state.json";

    public string Directory { get; } = Path.GetFullPath(directory);

    /// <summary>The newest complete checkpoint of this trial, or null (none, or none of this
    /// trial's). Leftovers of an attempt killed while writing one are removed.</summary>
    public SavedState? Newest()
    {
        if (!System.IO.Directory.Exists(Directory)) return null;
        foreach (var leftover in System.IO.Directory.EnumerateDirectories(Directory, "." + Prefix + "*"))
            System.IO.Directory.Delete(leftover, recursive: true);
        foreach (var step in Steps().OrderDescending())
        {
            var path = PathOf(step);
            var state = ReadState(path);
            if (state.Fingerprint == fingerprint && state.Step == step) return state with { Path = path };
        }
        return null;
    }

    /// <summary>Saves the state after <paramref name="state"/>'s step, then deletes the older checkpoints.</summary>
    public void Save(SavedState state, IEnumerable<(string Name, Tensor Tensor)> trainable, OptimizerHelper optimizer)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var final = PathOf(state.Step);
        var temp = Path.Combine(Directory, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(temp);
        try
        {
            SafetensorsWriter.Write(Path.Combine(temp, WeightsFile), trainable);
            AtomicFile.Write(Path.Combine(temp, OptimizerFile), stream =>
            {
                using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
                optimizer.save_state_dict(writer);
            });
            using (var rng = random.get_rng_state()) AtomicFile.WriteAllBytes(Path.Combine(temp, RngFile), rng.data<byte>().ToArray());
            AtomicFile.WriteAllText(Path.Combine(temp, StateFile), JsonSerializer.Serialize(state with { Fingerprint = fingerprint }, Json) + "\n");
            if (System.IO.Directory.Exists(final)) return;   // another attempt of this trial got there first: the same bytes
            System.IO.Directory.Move(temp, final);
        }
        finally
        {
            if (System.IO.Directory.Exists(temp)) System.IO.Directory.Delete(temp, recursive: true);
        }
        foreach (var older in Steps().Where(s => s < state.Step))
            System.IO.Directory.Delete(PathOf(older), recursive: true);
    }

    /// <summary>Puts <paramref name="saved"/>'s parameters, optimizer state and generator state back.</summary>
    /// <exception cref="InvalidDataException">The checkpoint does not fit the model or optimizer.</exception>
    public static void Restore(SavedState saved, IReadOnlyList<(string Name, Parameter Parameter)> trainable, OptimizerHelper optimizer)
    {
        var path = saved.Path ?? throw new InvalidOperationException("a state not read from a checkpoint");
        using (var weights = SafetensorsFile.Open(Path.Combine(path, WeightsFile)))
        using (no_grad())
        {
            foreach (var (name, parameter) in trainable)
            {
                if (!weights.Contains(name)) throw new InvalidDataException($"{path}: no tensor {name} among the trainable parameters");
                using var stored = weights.Load(name);
                if (!stored.shape.SequenceEqual(parameter.shape) || stored.dtype != parameter.dtype)
                    throw new InvalidDataException($"{path}: {name} is {stored.dtype} [{string.Join(", ", stored.shape)}], the model's {parameter.dtype} [{string.Join(", ", parameter.shape)}]");
                parameter.copy_(stored);
            }
        }
        using (var stream = File.OpenRead(Path.Combine(path, OptimizerFile)))
        using (var reader = new BinaryReader(stream))
            optimizer.load_state_dict(reader);
        using var rng = tensor(File.ReadAllBytes(Path.Combine(path, RngFile)), ScalarType.Byte);
        random.set_rng_state(rng);
    }

    /// <summary>Deletes every checkpoint of the trial (it has succeeded).</summary>
    public void Delete()
    {
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    private IEnumerable<int> Steps() => System.IO.Directory.EnumerateDirectories(Directory, Prefix + "*")
        .Select(d => int.TryParse(Path.GetFileName(d)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : -1)
        .Where(step => step > 0);

    private string PathOf(int step) => Path.Combine(Directory, Prefix + step.ToString("D8", CultureInfo.InvariantCulture));

    private static SavedState ReadState(string path)
    {
        var file = Path.Combine(path, StateFile);
        try
        {
            return JsonSerializer.Deserialize<SavedState>(File.ReadAllText(file), Json) ?? throw new InvalidDataException($"{file}: empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not a checkpoint state ({e.Message})", e);
        }
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Where training stood after <paramref name="Step"/> optimizer steps.</summary>
    /// <param name="Losses">The loss of every step so far.</param>
    /// <param name="Tokens">Tokens trained on so far.</param>
    /// <param name="TrainSeconds">Training time so far, over every attempt.</param>
    /// <param name="Path">The checkpoint's directory (set when read, not stored).</param>
    public sealed record SavedState(
        [property: JsonPropertyName("step")] int Step,
        [property: JsonPropertyName("total_steps")] int TotalSteps,
        [property: JsonPropertyName("losses")] IReadOnlyList<double> Losses,
        [property: JsonPropertyName("tokens")] long Tokens,
        [property: JsonPropertyName("train_seconds")] double TrainSeconds,
        [property: JsonPropertyName("fingerprint")] string Fingerprint = "",
        [property: JsonIgnore] string? Path = null);
}
