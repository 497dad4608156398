using System.Diagnostics;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Reliability;

/// <summary>OUTPUT_DIR on a small tmpfs (needs root, as CI runs): a run that fills it stops naming the file, keeps its complete results, and resumes once space is freed.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class FullDiskTests(SyntheticCapsFixture data)
{
    private static bool CanMount => Environment.UserName == "root" && File.Exists("/usr/bin/mount");

    private static void Sh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{command}: {error}");
    }

    [Fact]
    public void FullDisk_StopsNamingTheFile_KeepsCompleteFiles_AndResumesOnceFreed()
    {
        if (!CanMount)
        {
            Assert.False(Python.Required, "CI runs as root and must run this test");
            return; // a developer's non-root machine cannot mount a tmpfs
        }
        string mountPoint = data.NewOutput("tmpfs");
        Directory.CreateDirectory(mountPoint);
        Sh($"mount -t tmpfs -o size=2m tmpfs '{mountPoint}'");
        try
        {
            string output = Path.Combine(mountPoint, "results");
            var full = CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2",
                "--split", "0", "--epochs", "3", "--batch_size", "4", "--threads", "1");
            Assert.Equal(1, full.ExitCode);
            Assert.Contains("could not be written", full.Error);
            Assert.Contains(output, full.Error); // the message names the file
            OutputFiles.CheckAllParse(output);

            Sh($"mount -o remount,size=64m '{mountPoint}'");
            var resumed = CliRunner.Run("train", "resume", output);
            Assert.True(resumed.ExitCode == 0, resumed.All);
            OutputFiles.CheckAllParse(output);
            Assert.True(File.Exists(Path.Combine(output, "fold-0", "cnn_classification", "best_loss", "validation_image_level_metrics.tsv")));
        }
        finally
        {
            Sh($"umount '{mountPoint}'");
        }
    }
}
