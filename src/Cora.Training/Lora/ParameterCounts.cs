using TorchSharp;

namespace Cora.Training.Lora;

/// <summary>Trainable and total parameter counts, as PEFT's <c>get_nb_trainable_parameters</c>
/// reports them (total includes frozen base weights and the adapters).</summary>
public readonly record struct ParameterCounts(long Trainable, long Total)
{
    public static ParameterCounts Of(torch.nn.Module model)
    {
        long trainable = 0, total = 0;
        foreach (var p in model.parameters())
        {
            total += p.numel();
            if (p.requires_grad) trainable += p.numel();
        }
        return new ParameterCounts(trainable, total);
    }

    /// <summary>Trainable share of all parameters, in percent.</summary>
    public double TrainablePercent => Total == 0 ? 0 : 100.0 * Trainable / Total;
}
