using TorchSharp;

namespace ClinicaDl.Networks;

/// <summary>TorchSharp <see cref="Scalar"/>s the library passes to LibTorch, held for the life of the process.</summary>
/// <remarks>
/// TorchSharp hands a <see cref="Scalar"/>'s native handle to LibTorch and keeps nothing referencing the Scalar during the
/// native call, and a Scalar frees its native value in its finalizer. A Scalar made on the fly (<c>x + y</c> passes an
/// <c>alpha</c> of 1, <c>x / 2</c> a 2, BatchNorm's forward adds a 1 to <c>num_batches_tracked</c>) can therefore be
/// collected by a garbage collection that another thread starts during the call, and LibTorch reads freed memory:
/// "Expected false to be true … toFloat at c10/core/Scalar.h", or worse. Every Scalar this library passes is one of
/// these or a <c>using</c> local that outlives the call, and it calls no TorchSharp method or module that makes its own
/// (<c>Layering/TemporaryScalarTests</c> checks both over the compiled code; <c>bench/TrainBench scalar-race</c>
/// reproduces the crash).
/// </remarks>
public static class HeldScalars
{
    /// <summary>1: the <c>alpha</c> of a plain tensor sum and the step of a counter.</summary>
    public static readonly Scalar One = 1;

    /// <summary>2 (an integer Scalar, as a literal 2 in PyTorch).</summary>
    public static readonly Scalar Two = 2;
}
