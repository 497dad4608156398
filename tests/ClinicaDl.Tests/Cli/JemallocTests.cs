using System.Collections;
using ClinicaDl.Cli;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Cli;

/// <summary>ROI and patch training runs on jemalloc where it is installed (<see cref="Jemalloc"/>): when, which
/// library, with which environment, and that a real training then runs on it (or not, when the user chose glibc).</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class JemallocTests(SyntheticCapsFixture data)
{
    private static Hashtable Env(params (string Key, string Value)[] pairs) => HugePagesTests.Env(pairs);

    [Theory]
    [InlineData(new[] { "train", "roi", "cnn" }, true)]
    [InlineData(new[] { "-v", "-l", "log.txt", "train", "patch", "multicnn" }, true)]
    [InlineData(new[] { "train", "slice", "cnn" }, false)] // resnet18 on slices: no lower peak, no faster
    [InlineData(new[] { "train", "image", "cnn" }, false)] // whole images return their large buffers to the system instead
    [InlineData(new[] { "train", "resume", "out" }, false)] // the mode is in files, read after the start
    [InlineData(new[] { "train" }, false)]
    [InlineData(new[] { "-v", "classify", "caps" }, false)]
    [InlineData(new[] { "interpret", "group" }, false)]
    [InlineData(new[] { "random-search", "dir", "name" }, false)]
    [InlineData(new[] { "tsvtool", "kfold", "labels" }, false)]
    [InlineData(new[] { "--help" }, false)]
    [InlineData(new string[0], false)]
    public void Wanted_ForTrainingSmallElements(string[] args, bool expected) => Assert.Equal(expected, Jemalloc.Wanted(args, Env()));

    [Theory]
    [InlineData("LD_PRELOAD", "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4")] // the user's preload wins, whatever it is
    [InlineData("LD_PRELOAD", "libheaptrack_preload.so")]
    [InlineData("CLINICADL_MALLOC", "keep")] // one of glibc's policies was asked for
    [InlineData("CLINICADL_MALLOC", "map")]
    [InlineData("CLINICADL_MALLOC", "default")]
    [InlineData("CLINICADL_MALLOC", "glibc")]
    public void Wanted_Not_WhenTheUserPreloadsOrChoosesGlibc(string key, string value)
    {
        Assert.False(Jemalloc.Wanted(["train", "roi", "cnn"], Env((key, value))));
        Assert.True(Jemalloc.Wanted(["train", "roi", "cnn"], Env((key, ""))));
    }

    [Fact]
    public void Find_TakesTheFirstLibraryOfThisArchitecture_InLdLibraryPathFirst()
    {
        using var dir = new TempDir();
        string notElf = dir.Combine("text"), otherArch = dir.Combine("arm"), good = dir.Combine("good");
        foreach (string d in new[] { notElf, otherArch, good }) Directory.CreateDirectory(d);
        // Any shared object of this architecture will do for the header check: LibTorch's c10 beside the test assembly.
        string elf = Directory.GetFiles(AppContext.BaseDirectory, "libc10.so", SearchOption.AllDirectories).First();
        File.WriteAllText(Path.Combine(notElf, Jemalloc.Library), "INPUT(libjemalloc.so.2.real)\n");
        byte[] bytes = File.ReadAllBytes(elf);
        File.WriteAllBytes(Path.Combine(good, Jemalloc.Library), bytes);
        // e_machine of another architecture: AArch64 (183) on x86-64, x86-64 (62) elsewhere.
        bytes[18] = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64 ? (byte)183 : (byte)62;
        bytes[19] = 0;
        File.WriteAllBytes(Path.Combine(otherArch, Jemalloc.Library), bytes);

        Assert.False(Jemalloc.IsLoadable(Path.Combine(notElf, Jemalloc.Library)));
        Assert.False(Jemalloc.IsLoadable(Path.Combine(otherArch, Jemalloc.Library)));
        Assert.False(Jemalloc.IsLoadable(dir.Combine("missing.so")));
        Assert.Equal(Path.Combine(good, Jemalloc.Library), Jemalloc.Find(Env(("LD_LIBRARY_PATH", $"{notElf}::{otherArch}:{good}"))));
    }

    [Fact]
    public void Environment_PreloadsJemalloc_KeepingTheUsersSettings_WithOrWithoutHugePages()
    {
        const string lib = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
        var env = HugePages.Environment(Env(("HOME", "/root")), hugePages: false, jemalloc: lib);
        Assert.Equal(["HOME=/root", $"LD_PRELOAD={lib}", $"MALLOC_CONF={Jemalloc.KeepFreed}", "PATH=/usr/bin"], env.Order(StringComparer.Ordinal));

        env = HugePages.Environment(Env(("MALLOC_CONF", "narenas:1")), hugePages: true, jemalloc: lib);
        Assert.Contains("MALLOC_CONF=narenas:1", env);
        Assert.Single(env, e => e.StartsWith("MALLOC_CONF=", StringComparison.Ordinal));
        Assert.Contains($"LD_PRELOAD={lib}", env);
        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1", env);
        Assert.Contains("CLINICADL_HUGEPAGES=1", env);
    }

    /// <summary>A real training where jemalloc is installed: the running clinicadl (the pid that was started) has it mapped
    /// and says so in environment.txt; with <c>CLINICADL_MALLOC=keep</c> it runs on glibc's malloc and says that.</summary>
    [JemallocTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void Train_RunsOnJemalloc_OrOnGlibcWhenAskedFor(bool allowed)
    {
        string output = data.NewOutput("jemalloc");
        var env = new Dictionary<string, string>();
        if (!allowed) env["CLINICADL_MALLOC"] = "keep";
        using var child = new ChildProcess(env, null, ["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "50", "--batch_size", "4", "--threads", "1", "-np", "1", "-vv"]);
        Assert.True(child.WaitFor(", step 1/", TimeSpan.FromMinutes(4)), child.Output);
        bool mapped = File.ReadLines($"/proc/{child.Id}/maps").Any(l => l.EndsWith("/" + Jemalloc.Library, StringComparison.Ordinal));
        child.Signal(ChildProcess.SIGTERM);
        Assert.Equal(143, child.WaitForExit(TimeSpan.FromMinutes(4)));
        Assert.Equal(allowed, mapped);
        string malloc = File.ReadLines(Path.Combine(output, "environment.txt")).Single(l => l.StartsWith("malloc: ", StringComparison.Ordinal));
        Assert.Equal(allowed, malloc.StartsWith("malloc: libjemalloc.so.2 (/", StringComparison.Ordinal));
        OutputFiles.CheckAllParse(output);
    }
}

/// <summary>Runs where jemalloc is installed; .ci/run installs it (Debian's libjemalloc2) and then requires it.</summary>
internal sealed class JemallocTheoryAttribute : TheoryAttribute
{
    public JemallocTheoryAttribute()
    {
        if (Environment.GetEnvironmentVariable("CLINICADL_REQUIRE_JEMALLOC") != "1" && Jemalloc.Find(Environment.GetEnvironmentVariables()) is null)
            Skip = "needs jemalloc (apt-get install libjemalloc2)";
    }
}
