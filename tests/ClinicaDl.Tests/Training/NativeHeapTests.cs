using ClinicaDl.Caps;
using ClinicaDl.Data;
using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Training;

/// <summary>malloc's policy follows the size of a run's batches (whole images: large buffers returned to the system; ROIs,
/// patches, slices: freed memory kept), <c>CLINICADL_MALLOC</c> chooses over it, and on the CPU only the batches that
/// malloc maps anyway are written into LibTorch memory.</summary>
public sealed class NativeHeapTests
{
    private static readonly long ImageBytes = CapsLayout.CroppedShape.Aggregate(1L, (a, b) => a * b) * sizeof(float);
    private static readonly long RoiBytes = 50L * 50 * 50 * sizeof(float);

    [Fact]
    public void WholeImageBatches_MapLargeBuffers_SmallBatchesKeepFreedMemory()
    {
        Assert.Equal(HeapPolicy.MapLarge, NativeHeap.PolicyFor(1 * ImageBytes, null));
        Assert.Equal(HeapPolicy.MapLarge, NativeHeap.PolicyFor(2 * ImageBytes, ""));
        Assert.Equal(HeapPolicy.KeepFreed, NativeHeap.PolicyFor(8 * RoiBytes, null));
        Assert.Equal(HeapPolicy.KeepFreed, NativeHeap.PolicyFor(NativeHeap.LargeBatchBytes - 1, null));
        Assert.Equal(HeapPolicy.MapLarge, NativeHeap.PolicyFor(NativeHeap.LargeBatchBytes, null));
    }

    [Theory]
    [InlineData("default", nameof(HeapPolicy.GlibcDefaults))]
    [InlineData("keep", nameof(HeapPolicy.KeepFreed))]
    [InlineData("map", nameof(HeapPolicy.MapLarge))]
    public void TheEnvironmentSetting_ChoosesWhateverTheBatches(string setting, string policy)
    {
        var expected = Enum.Parse<HeapPolicy>(policy);
        Assert.Equal(expected, NativeHeap.PolicyFor(2 * ImageBytes, setting));
        Assert.Equal(expected, NativeHeap.PolicyFor(8 * RoiBytes, setting));
    }

    [Theory]
    [InlineData("mapp")]
    [InlineData("Keep")]
    [InlineData(" map")]
    [InlineData("0")]
    public void AnUnknownSetting_IsIgnored_AndTheBatchesChoose(string setting)
    {
        Assert.Equal(HeapPolicy.MapLarge, NativeHeap.PolicyFor(2 * ImageBytes, setting));
        Assert.Equal(HeapPolicy.KeepFreed, NativeHeap.PolicyFor(8 * RoiBytes, setting));
    }

    [Fact]
    public void OnlyBuffersOfTheMapThresholdAndMore_GoBackToTheSystem_AndNeverWhenFreedMemoryIsKept()
    {
        foreach (var policy in new[] { HeapPolicy.MapLarge, HeapPolicy.GlibcDefaults })
        {
            Assert.True(NativeHeap.Unmaps(2 * ImageBytes, policy));
            Assert.True(NativeHeap.Unmaps(NativeHeap.MapThreshold, policy));
            Assert.False(NativeHeap.Unmaps(NativeHeap.MapThreshold - 1, policy));
            Assert.False(NativeHeap.Unmaps(8 * RoiBytes, policy));
        }
        Assert.False(NativeHeap.Unmaps(2 * ImageBytes, HeapPolicy.KeepFreed));
        Assert.False(NativeHeap.Unmaps(2 * ImageBytes, HeapPolicy.Preloaded));
    }

    [Fact]
    public void APreloadedJemallocOrTcmalloc_IsFoundAmongTheMappedFiles_AndNothingElse()
    {
        string[] glibcOnly =
        [
            "7f0000000000-7f0000020000 r--p 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libc.so.6",
            "7f0000030000-7f0000040000 rw-p 00000000 00:00 0 ",
            "7f0000050000-7f0000060000 r-xp 00000000 08:01 456 /opt/malloc tests/libtorch_cpu.so",
        ];
        Assert.Null(NativeHeap.PreloadedAllocator(glibcOnly));
        Assert.Equal("/opt/jemalloc 5/lib/libjemalloc.so.2",
            NativeHeap.PreloadedAllocator([.. glibcOnly, "7f0000070000-7f0000080000 r-xp 00000000 08:01 789 /opt/jemalloc 5/lib/libjemalloc.so.2"]));
        Assert.Equal("/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4",
            NativeHeap.PreloadedAllocator(["7f0000070000-7f0000080000 r-xp 00000000 08:01 789 /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4", .. glibcOnly]));
    }

    [Fact]
    public void OnTheCpu_BatchesMallocMaps_AreLibTorchTensors_OthersManagedArrays()
    {
        int[] image = [.. CapsLayout.CroppedShape];
        int[] roi = [50, 50, 50];
        using (var batch = BatchTensors.For(CPU, HeapPolicy.MapLarge)(2, 1, image))
            Assert.IsNotType<ArrayBatchBuffer>(batch);
        using (var batch = BatchTensors.For(CPU, HeapPolicy.GlibcDefaults)(2, 1, image))
            Assert.IsNotType<ArrayBatchBuffer>(batch);
        using (var batch = BatchTensors.For(CPU, HeapPolicy.KeepFreed)(2, 1, image))
            Assert.IsType<ArrayBatchBuffer>(batch);
        using (var batch = BatchTensors.For(CPU, HeapPolicy.MapLarge)(1, 1, image)) // 25 MB: below the threshold
            Assert.IsType<ArrayBatchBuffer>(batch);
        using (var batch = BatchTensors.For(CPU, HeapPolicy.MapLarge)(8, 1, roi))
            Assert.IsType<ArrayBatchBuffer>(batch);
        // What a LibTorch buffer holds reaches the step as a managed one's does: BatchStreamTests.LibTorchBuffers_HoldTheSameBatchesAsManagedOnes.
    }
}
