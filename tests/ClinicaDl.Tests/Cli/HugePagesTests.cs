using System.Collections;
using ClinicaDl.Cli;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Cli;

/// <summary>Training and evaluation verbs replace their process once to run malloc on transparent huge pages
/// (<see cref="HugePages"/>): when, with which environment, and that the replaced process is the same process.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class HugePagesTests(SyntheticCapsFixture data)
{
    private const string Madvise = "always [madvise] never\n";

    /// <summary>An environment with PATH and <paramref name="pairs"/>, as <c>Environment.GetEnvironmentVariables</c> gives it.</summary>
    internal static Hashtable Env(params (string Key, string Value)[] pairs)
    {
        var env = new Hashtable { ["PATH"] = "/usr/bin" };
        foreach (var (k, v) in pairs) env[k] = v;
        return env;
    }

    [Theory]
    [InlineData(new[] { "train", "roi", "cnn" }, Madvise, true)]
    [InlineData(new[] { "-v", "classify", "caps" }, Madvise, true)]
    [InlineData(new[] { "interpret", "group" }, Madvise, true)]
    [InlineData(new[] { "random-search", "dir", "name" }, Madvise, true)]
    [InlineData(new[] { "train", "roi", "cnn" }, "[always] madvise never\n", false)] // the kernel gives them to everyone already
    [InlineData(new[] { "train", "roi", "cnn" }, "always madvise [never]\n", false)] // to nobody
    [InlineData(new[] { "train", "roi", "cnn" }, null, false)]                       // no THP in this kernel
    [InlineData(new[] { "tsvtool", "kfold", "labels" }, Madvise, false)]             // quick verbs are left alone
    [InlineData(new[] { "--help" }, Madvise, false)]
    [InlineData(new string[0], Madvise, false)]
    public void Wanted_ForLongVerbs_WhereHugePagesAreOnRequest(string[] args, string? thp, bool expected)
        => Assert.Equal(expected, HugePages.Wanted(args, Env(), thp));

    [Fact]
    public void Wanted_Not_WhenTheUserSetTheTunable_OptedOut_OrTheProcessWasReplacedAlready()
    {
        string[] train = ["train", "roi", "cnn"];
        Assert.False(HugePages.Wanted(train, Env(("GLIBC_TUNABLES", "glibc.malloc.hugetlb=0")), Madvise));
        Assert.False(HugePages.Wanted(train, Env(("CLINICADL_HUGEPAGES", "0")), Madvise));
        Assert.False(HugePages.Wanted(train, Env(("CLINICADL_HUGEPAGES", "1")), Madvise));
        Assert.True(HugePages.Wanted(train, Env(("GLIBC_TUNABLES", "glibc.malloc.arena_max=2")), Madvise));
    }

    [Fact]
    public void Environment_KeepsEverything_AppendsTheTunable_AndMarksTheReplacement()
    {
        var env = HugePages.Environment(Env(("GLIBC_TUNABLES", "glibc.malloc.arena_max=2"), ("HOME", "/root")));
        Assert.Contains("PATH=/usr/bin", env);
        Assert.Contains("HOME=/root", env);
        Assert.Contains("GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1", env);
        Assert.Contains("CLINICADL_HUGEPAGES=1", env);
        Assert.Single(env, e => e.StartsWith("GLIBC_TUNABLES=", StringComparison.Ordinal));
        Assert.Equal(["CLINICADL_HUGEPAGES=1", "GLIBC_TUNABLES=glibc.malloc.hugetlb=1", "PATH=/usr/bin"], HugePages.Environment(Env()).Order(StringComparer.Ordinal));
    }

    /// <summary>A real training: where this kernel gives huge pages on request, the running clinicadl (the same pid that was
    /// started) has the tunable and the marker; opted out, it has neither; either way it stops on SIGTERM with 143, leaves
    /// complete files and no .NET diagnostic endpoint in TMPDIR (the replaced runtime's are removed before the exec).</summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Train_RunsOnHugePagesInTheSameProcess_OrNotWhenOptedOut(bool allowed)
    {
        string thp = "/sys/kernel/mm/transparent_hugepage/enabled";
        bool onRequest = File.Exists(thp) && File.ReadAllText(thp).Contains("[madvise]", StringComparison.Ordinal);
        string output = data.NewOutput("hugepages");
        string tmp = data.NewOutput("hugepages-tmp");
        Directory.CreateDirectory(tmp);
        var env = new Dictionary<string, string> { ["TMPDIR"] = tmp };
        if (!allowed) env["CLINICADL_HUGEPAGES"] = "0";
        using var child = new ChildProcess(env, null, ["train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "50", "--batch_size", "4", "--threads", "1", "-np", "1", "-vv"]);
        Assert.True(child.WaitFor(", step 1/", TimeSpan.FromMinutes(4)), child.Output);
        var environ = File.ReadAllText($"/proc/{child.Id}/environ").Split('\0');
        bool replaced = onRequest && allowed;
        Assert.Equal(replaced, environ.Contains("GLIBC_TUNABLES=glibc.malloc.hugetlb=1"));
        Assert.Equal(replaced ? "1" : allowed ? null : "0", environ.FirstOrDefault(e => e.StartsWith("CLINICADL_HUGEPAGES=", StringComparison.Ordinal))?[20..]);
        child.Signal(ChildProcess.SIGTERM);
        Assert.Equal(143, child.WaitForExit(TimeSpan.FromMinutes(4)));
        OutputFiles.CheckAllParse(output);
        Assert.Empty(Directory.GetFiles(tmp, "clr-debug-pipe-*").Concat(Directory.GetFiles(tmp, "dotnet-diagnostic-*")));
    }
}
