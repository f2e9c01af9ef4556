using System.Globalization;

namespace Cora.Training.Memory;

/// <summary>Refuses a trial that cannot fit its device, before it loads anything.</summary>
public static class MemoryCheck
{
    /// <summary>
    /// Throws when <paramref name="setup"/>'s estimate exceeds <paramref name="capacity"/> bytes of
    /// <paramref name="device"/>; does nothing when the capacity is unknown (null). The message
    /// gives the estimate by component against the capacity and names what to turn down.
    /// </summary>
    /// <exception cref="InvalidInputException">The trial does not fit.</exception>
    public static void EnsureFits(TrainingSetup setup, long? capacity, string device)
    {
        if (capacity is not { } available) return;
        var estimate = MemoryEstimate.For(setup);
        if (estimate.Total <= available) return;
        var parts = string.Join(", ", estimate.Components.Where(c => c.Bytes > 0).Select(c => $"{c.Name} {Format(c.Bytes)}"));
        var checkpointed = setup.GradientCheckpointing ? ""
            : $", or turn on gradient checkpointing (gradient_checkpointing, --gradient-checkpointing; it would need {Format(MemoryEstimate.For(setup with { GradientCheckpointing = true }).Total)})";
        throw new InvalidInputException(
            $"the trial needs about {Format(estimate.Total)} on {device}, which has {Format(available)} in all ({parts}); " +
            $"lower per_device_train_batch_size (--batch-size, now {setup.BatchSize}) or max_seq_length (--max-seq-length, now {setup.SequenceLength}){checkpointed}");
    }

    /// <summary>Bytes as a person reads them: MiB below 1 GiB, GiB above, binary units.</summary>
    public static string Format(long bytes) => bytes >= 1L << 30
        ? (bytes / (double)(1L << 30)).ToString("F2", CultureInfo.InvariantCulture) + " GiB"
        : (bytes / (double)(1L << 20)).ToString("F1", CultureInfo.InvariantCulture) + " MiB";
}
