using ClinicaDl.Training;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Training;

/// <summary>A thread's LibTorch thread count stays what it asked for when another thread sets another count.</summary>
[Collection(Name)]
public sealed class TorchThreadsTests
{
    public const string Name = "torch threads (alone)";

    /// <summary>Runs <paramref name="body"/> on a new thread (one LibTorch has never initialised) and returns its result.</summary>
    private static int OnNewThread(Func<int> body)
    {
        int result = 0;
        var thread = new Thread(() => result = body());
        thread.Start();
        thread.Join();
        return result;
    }

    [Fact]
    public void Use_OnAFreshThread_KeepsItsCount_WhenAnotherThreadSetsAnotherOne()
    {
        try
        {
            using var set = new ManualResetEventSlim();
            using var other = new ManualResetEventSlim();
            int Fresh(Action<int> setThreads)
            {
                setThreads(1);
                set.Set();
                other.Wait(); // another thread now stores 2 as the process-wide count
                return get_num_threads();
            }
            void Other()
            {
                set.Wait();
                set_num_threads(2);
                other.Set();
            }

            // The premise: a plain set_num_threads on a fresh thread is replaced at its first use by the other thread's count.
            var t = new Thread(Other);
            t.Start();
            int plain = OnNewThread(() => Fresh(set_num_threads));
            t.Join();
            Assert.Equal(2, plain);

            set.Reset();
            other.Reset();
            t = new Thread(Other);
            t.Start();
            int used = OnNewThread(() => Fresh(TorchThreads.Use));
            t.Join();
            Assert.Equal(1, used);
        }
        finally
        {
            set_num_threads(1); // the process-wide value the other tests' threads start from (TestSetup)
        }
    }
}

[CollectionDefinition(TorchThreadsTests.Name, DisableParallelization = true)]
public sealed class TorchThreadsCollection;
