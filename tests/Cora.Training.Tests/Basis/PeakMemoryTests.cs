using Cora.Training.Diagnostics;
using static TorchSharp.torch;

namespace Cora.Training.Tests.Basis;

[Collection(MemoryGroup.Name)]
public sealed class PeakMemoryTests
{
    [Fact]
    public void Peak_sees_a_native_allocation_that_is_gone_by_the_end()
    {
        long during;
        using (var memory = PeakMemory.Start())
        {
            using (var big = ones(64L * 1024 * 1024, ScalarType.Float32))  // 256 MiB, touched
            {
                during = PeakMemory.AnonBytes()!.Value;
                memory.Record();
            }
            memory.Dispose();
            Assert.True(memory.PeakAnonBytes >= during, $"peak {memory.PeakAnonBytes} below a reading {during}");
            Assert.True(memory.PeakAnonBytes - PeakMemory.AnonBytes()!.Value > 200L * 1024 * 1024, "the freed 256 MiB stays in the peak");
        }
    }
}
