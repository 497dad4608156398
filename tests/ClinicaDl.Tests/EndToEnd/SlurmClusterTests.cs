using System.Diagnostics;
using System.Text.RegularExpressions;
using ClinicaDl.Caps;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Runs.TsvTool;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary>
/// The SLURM samples on a real one-node cluster (samples/slurm/one-node-cluster.sh, started by .ci/run): an array job
/// trains both folds into one OUTPUT_DIR, the classify job waits for it (--dependency=afterok), and a task requeued
/// while it trains resumes from its checkpoint and ends with the same tables and weights as an uninterrupted run.
/// Every job asks for what a small node grants (--cpus-per-task=1 --mem=1G).
/// </summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed partial class SlurmClusterTests(SyntheticCapsFixture data)
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);
    private static string Samples => Path.Combine(Repository.Root, "samples", "slurm");

    /// <summary>A held-out split of a 6-image CAPS: train/ (with 2 folds) and test/.</summary>
    private (string Work, Dictionary<string, string> Env) Prepare(string name)
    {
        string work = data.NewOutput(name);
        Directory.CreateDirectory(work);
        string caps = Path.Combine(work, "caps");
        Assert.Equal(0, CliRunner.Run("generate", "trivial", caps, "--n_subjects", "3", "--seed", "1", "-np", "1").ExitCode);
        Assert.Equal(0, CliRunner.Run("tsvtool", "split", Path.Combine(caps, "labels"), "--n_test", "0.34").ExitCode);
        Assert.Equal(0, CliRunner.Run("tsvtool", "kfold", Path.Combine(caps, "labels", "train"), "--n_splits", "2").ExitCode);
        // The scripts call "$CLINICADL" as one word: a wrapper around the test's build.
        string wrapper = Path.Combine(work, "clinicadl");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "clinicadl.dll")}' \"$@\"\n");
        Run("chmod", "+x", wrapper);
        return (work, new Dictionary<string, string>
        {
            ["CAPS"] = caps, ["LABELS"] = Path.Combine(caps, "labels", "train"), ["TEST"] = Path.Combine(caps, "labels", "test"),
            ["OUT"] = Path.Combine(work, "results"), ["CLINICADL"] = wrapper, ["N_SPLITS"] = "2", ["EPOCHS"] = "2", ["OMP_NUM_THREADS"] = "1",
        });
    }

    private static string[] Small(string work) => ["--cpus-per-task=1", "--mem=1G", $"--chdir={work}", $"--output={work}/%x-%A_%a.log", "--open-mode=append"];

    [SlurmFact]
    public void ArrayJob_TrainsBothFolds_ThenClassifyRunsAfterIt()
    {
        var (work, env) = Prepare("slurm-array");
        using var array = Start(env, ["sbatch", "--array=0-1", "--wait", .. Small(work), Path.Combine(Samples, "train-folds.sbatch")]);
        string arrayId = JobId(array);
        var classify = Run(env, ["sbatch", $"--dependency=afterok:{arrayId}", "--wait", .. Small(work), Path.Combine(Samples, "classify.sbatch")]);
        Assert.True(array.WaitForExit((int)Limit.TotalMilliseconds), "the array job did not end");
        Assert.True(array.ExitCode == 0, $"array job {arrayId}: exit {array.ExitCode}\n{Logs(work)}");
        Assert.True(classify.Code == 0, $"classify: exit {classify.Code}\n{classify.Output}\n{Logs(work)}");
        string output = env["OUT"];
        foreach (int fold in new[] { 0, 1 })
        {
            string dir = Path.Combine(output, $"fold-{fold}", "cnn_classification", "best_loss");
            Assert.True(File.Exists(Path.Combine(dir, "validation_image_level_metrics.tsv")), Logs(work));
            string test = Path.Combine(dir, "test_image_level_prediction.tsv");
            Assert.True(File.Exists(test), Logs(work));
            // afterok: classify started once every task had finished its fold.
            Assert.True(File.GetLastWriteTimeUtc(test) >= File.GetLastWriteTimeUtc(Path.Combine(dir, "validation_image_level_metrics.tsv")));
        }
        OutputFiles.CheckAllParse(output);
    }

    [SlurmFact]
    public void RequeuedWhileTraining_ResumesFromItsCheckpoint_AndEndsAsAnUninterruptedRun()
    {
        var (work, env) = Prepare("slurm-requeue");
        env["EPOCHS"] = "8";
        // The uninterrupted reference, with what the sample runs on a 1-CPU task (-np 1 --threads 1).
        string reference = Path.Combine(work, "reference");
        var r = CliRunner.Run("train", "roi", "cnn", env["CAPS"], "t1-linear", env["LABELS"], reference, "Conv4_FC3", "--n_splits", "2", "--split", "0",
            "--batch_size", "8", "--epochs", "8", "--patience", "5", "--seed", "0", "-np", "1", "--threads", "1", "-cpu");
        Assert.True(r.ExitCode == 0, r.All);

        var submit = Run(env, ["sbatch", "--array=0", "--parsable", .. Small(work), Path.Combine(Samples, "train-folds.sbatch")]);
        Assert.True(submit.Code == 0, submit.Output);
        string task = submit.Output.Trim().Split(';')[0] + "_0";
        string log = Path.Combine(work, $"clinicadl-fold-{submit.Output.Trim().Split(';')[0]}_0.log");
        var deadline = DateTime.UtcNow + Limit;
        while (!(File.Exists(log) && File.ReadAllText(log).Contains("epoch 2/8", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"task {task} never reached epoch 2\n{Logs(work)}");
            Thread.Sleep(200);
        }
        var requeue = Run(env, ["scontrol", "requeue", task]);
        Assert.True(requeue.Code == 0, requeue.Output);
        var requeuedAt = DateTime.UtcNow;
        string state;
        while ((state = JobField(env, task, "JobState")) is not ("COMPLETED" or "FAILED" or "CANCELLED" or "TIMEOUT" or "NODE_FAIL" or "OUT_OF_MEMORY"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"task {task} is still {state}\n{Logs(work)}");
            // SLURM holds a requeued job back for a while (Reason=BeginTime); let it start sooner, but not within the
            // second the first attempt was killed in: slurmd refuses a credential issued in the second it revoked the
            // job's last one ("Killing non-startable batch JobId=…: Job credential revoked", the job then FAILED).
            if (state == "PENDING" && DateTime.UtcNow - requeuedAt > TimeSpan.FromSeconds(3))
                Run(env, ["scontrol", "update", $"JobId={task}", "StartTime=now"]);
            Thread.Sleep(500);
        }
        string text = Logs(work);
        Assert.True(state == "COMPLETED", $"task {task}: {state}\n{text}");
        Assert.Equal("1", JobField(env, task, "Restarts"));
        Assert.Contains("SIGTERM received", text);          // the requeue stopped it at a step boundary,
        Assert.Contains("resuming at epoch", text);         // and the second run continued from the checkpoint

        string resumed = env["OUT"];
        var files = Directory.GetFiles(Path.Combine(reference, "fold-0"), "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("tfevents", StringComparison.Ordinal) && !f.EndsWith(".png", StringComparison.Ordinal)).ToList();
        Assert.Contains(files, f => f.EndsWith("model_best.pth.tar", StringComparison.Ordinal));
        foreach (var file in files)
        {
            string other = Path.Combine(resumed, Path.GetRelativePath(reference, file));
            Assert.True(File.Exists(other), $"{other} is missing\n{text}");
            if (file.EndsWith("training.tsv", StringComparison.Ordinal))
                Assert.Equal(WithoutTime(file), WithoutTime(other));
            else
                Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(other)), $"{Path.GetRelativePath(reference, file)} differs after the requeue");
        }
        Assert.Empty(Directory.GetFiles(resumed, "checkpoint.pth.tar", SearchOption.AllDirectories));
    }

    private static IEnumerable<string> WithoutTime(string trainingTsv)
        => TsvTable.Read(trainingTsv).Rows.Select(row => string.Join("\t", row.Where((_, i) => i != 2)));

    private static string Logs(string work)
        => string.Join("\n", Directory.GetFiles(work, "*.log").Order(StringComparer.Ordinal).Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"));

    [GeneratedRegex(@"Submitted batch job (\d+)")]
    private static partial Regex Submitted();

    /// <summary>The job id that a waiting <c>sbatch</c> prints before it blocks.</summary>
    private static string JobId(Process sbatch)
    {
        string line = sbatch.StandardOutput.ReadLine() ?? "";
        var m = Submitted().Match(line);
        Assert.True(m.Success, $"sbatch printed: {line}{sbatch.StandardError.ReadToEnd()}");
        return m.Groups[1].Value;
    }

    private static string JobField(Dictionary<string, string> env, string job, string field)
    {
        var (code, output) = Run(env, ["scontrol", "-o", "show", "job", job]);
        Assert.True(code == 0, output);
        var m = Regex.Match(output, $@"\b{field}=(\S+)");
        return m.Success ? m.Groups[1].Value : "";
    }

    private static Process Start(IReadOnlyDictionary<string, string>? env, string[] command)
    {
        var psi = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in command[1..]) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string>()) psi.Environment[k] = v;
        return Process.Start(psi)!;
    }

    private static (int Code, string Output) Run(IReadOnlyDictionary<string, string>? env, string[] command)
    {
        using var p = Start(env, command);
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    private static void Run(params string[] command) => Assert.Equal(0, Run(null, command).Code);
}

/// <summary>A fact that needs a running SLURM cluster (<c>sinfo</c> answering with a node up): skipped without one, unless CI requires it.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class SlurmFactAttribute : FactAttribute
{
    /// <summary>Set by .ci/run after it started samples/slurm/one-node-cluster.sh.</summary>
    public static bool Required => Environment.GetEnvironmentVariable("CLINICADL_REQUIRE_SLURM") == "1";

    public SlurmFactAttribute()
    {
        if (!Required && !ClusterUp())
            Skip = "needs a SLURM cluster: sudo samples/slurm/one-node-cluster.sh (apt-get install slurm-wlm munge)";
    }

    private static bool ClusterUp()
    {
        try
        {
            var psi = new ProcessStartInfo("sinfo") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in new[] { "-h", "-o", "%T" }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            if (!p.WaitForExit(10_000)) { p.Kill(); return false; }
            string states = p.StandardOutput.ReadToEnd();
            return p.ExitCode == 0 && Regex.IsMatch(states, "^(idle|mixed|allocated)", RegexOptions.Multiline);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
