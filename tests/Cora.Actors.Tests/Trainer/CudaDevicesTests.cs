using Cora.Actors.Trainer;
using Cora.Training;

namespace Cora.Actors.Tests.Trainer;

/// <summary>Slots map onto the GPUs the node was given: the inherited CUDA_VISIBLE_DEVICES, passed
/// in as a fake value, never read from this process.</summary>
public sealed class CudaDevicesTests
{
    private static string[] Slots(CudaDevices devices, int count) => Enumerable.Range(0, count).Select(slot => devices.ForSlot(slot) ?? "none").ToArray();

    [Fact]
    public void Unset_gives_the_node_s_devices_in_turn()
    {
        Assert.Equal(["0", "1", "0", "1", "0"], Slots(CudaDevices.FromInherited(null, gpus: 2), 5));
    }

    [Fact]
    public void An_inherited_restriction_hands_out_its_own_entries()
    {
        Assert.Equal(["2", "3", "2"], Slots(CudaDevices.FromInherited("2,3", gpus: 2), 3));
        Assert.Equal(["5", "1"], Slots(CudaDevices.FromInherited(" 5, 1 ", gpus: 2), 2));
    }

    [Fact]
    public void Uuids_and_mig_ids_are_kept_verbatim()
    {
        const string gpu = "GPU-8d1e5f0a-3c4b-11ee-9a2d-0242ac120002";
        const string mig = "MIG-GPU-8d1e5f0a-3c4b-11ee-9a2d-0242ac120002/1/0";
        Assert.Equal([gpu, mig, gpu], Slots(CudaDevices.FromInherited($"{gpu},{mig}", gpus: 2), 3));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("2,3")]
    public void A_node_without_gpus_gives_no_slot_a_device(string inherited)
    {
        var devices = CudaDevices.FromInherited(inherited, gpus: 0);
        Assert.Equal((0, (string?)null), (devices.Count, devices.ForSlot(0)));
    }

    [Theory]
    [InlineData("2,,3", "CUDA_VISIBLE_DEVICES: \"2,,3\" has an empty entry")]
    [InlineData("2, ", "CUDA_VISIBLE_DEVICES: \"2, \" has an empty entry")]
    [InlineData("2,gpu0", "CUDA_VISIBLE_DEVICES: \"gpu0\" in \"2,gpu0\" is neither a device index nor a GPU-/MIG- id")]
    [InlineData("2,-1", "CUDA_VISIBLE_DEVICES: \"-1\" in \"2,-1\" is neither a device index nor a GPU-/MIG- id")]
    [InlineData("3,3", "CUDA_VISIBLE_DEVICES: \"3,3\" names a device twice")]
    [InlineData("0,1,7", "CUDA_VISIBLE_DEVICES: \"0,1,7\" names 3 device(s) but CUDA found 2")]
    [InlineData("", "CUDA_VISIBLE_DEVICES: \"\" names 0 device(s) but CUDA found 2")]
    public void A_bad_or_inconsistent_value_is_refused_by_name(string inherited, string message)
    {
        var error = Assert.Throws<InvalidInputException>(() => CudaDevices.FromInherited(inherited, gpus: 2));
        Assert.StartsWith(message, error.Message);
    }

    [Fact]
    public void Each_slot_s_trial_process_gets_its_inherited_device()
    {
        var settings = new TrainerSettings("n", 3, ["cora"], "/artifacts", 1, CudaDevices.FromInherited("2,3", gpus: 2));
        Assert.Equal(["2", "3", "2"], Enumerable.Range(0, 3).Select(slot => settings.TrialEnvironment(slot)["CUDA_VISIBLE_DEVICES"]));
        // Indices as nvidia-smi numbers them, unless the operator chose an order.
        if (Environment.GetEnvironmentVariable("CUDA_DEVICE_ORDER") is null)
            Assert.Equal("PCI_BUS_ID", settings.TrialEnvironment(0)["CUDA_DEVICE_ORDER"]);
    }

    [Fact]
    public void A_cpu_node_sets_no_device_and_one_slot_per_gpu_is_the_default()
    {
        Assert.False(new TrainerSettings("n", 1, ["cora"], "/artifacts", 1).TrialEnvironment(0).ContainsKey("CUDA_VISIBLE_DEVICES"));
        var settings = TrainerSettings.Create(CoraConfig.Reference, "n", ["cora"], CudaDevices.FromInherited("GPU-a,GPU-b,GPU-c", gpus: 3));
        Assert.Equal(3, settings.Slots);
    }
}
