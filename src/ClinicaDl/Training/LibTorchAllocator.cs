using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace ClinicaDl.Training;

/// <summary>Makes LibTorch's CPU allocator hand out zeroed memory, so that oneDNN's padded channel blocks hold zeros, not garbage.</summary>
/// <remarks>
/// <para>LibTorch 2.10 runs 3D convolutions through oneDNN in blocked layouts (16 channels a block with AVX-512, 8 with
/// AVX2). A layer whose channel count is not a multiple of the block (Conv4_FC3's 25 and 50) gets its input reordered
/// into a buffer whose last block is padded, and oneDNN's kernels multiply the padding too. The buffer comes from
/// LibTorch's CPU allocator (malloc) and the padding is not written, so it holds whatever the memory held before:
/// finite garbage times the zero weights of the padded channels is harmless, but a NaN or infinity left there by an
/// earlier buffer (any 0xFF… bytes, such as an int64 −1) turns a whole output channel into NaN. Seen on an AVX-512 machine
/// (AMD EPYC with avx512_bf16): every <c>train roi cnn</c> failed with a NaN loss at its first step, and
/// <c>MixedPrecisionTests</c> failed. Setting c10's <c>caffe2_cpu_allocator_do_zero_fill</c> flag makes the allocator
/// zero every buffer it hands out: the padding is then 0 and the convolution exact.</para>
/// <para>Process-wide and idempotent; where the flag cannot be found (another LibTorch build) nothing happens.</para>
/// </remarks>
internal static unsafe class LibTorchAllocator
{
    private const string Flag = "FLAGS_caffe2_cpu_allocator_do_zero_fill";

    private static readonly Lazy<bool> Applied = new(Apply);

    /// <summary>Turns zero-filling on once per process; true when the flag was found and set.</summary>
    public static bool ZeroFill() => Applied.Value;

    private static bool Apply()
    {
        _ = get_num_threads(); // loads LibTorch (and libc10) if nothing has yet
        string native = Path.Combine(AppContext.BaseDirectory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
        string[] candidates = OperatingSystem.IsWindows() ? ["c10.dll"]
            : OperatingSystem.IsMacOS() ? ["libc10.dylib", Path.Combine(native, "libc10.dylib")]
            : ["libc10.so", Path.Combine(native, "libc10.so"), Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libc10.so")];
        foreach (string name in candidates)
            if (NativeLibrary.TryLoad(name, out var c10) && NativeLibrary.TryGetExport(c10, Flag, out var flag))
            {
                *(byte*)flag = 1;
                return true;
            }
        return false;
    }
}
