using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Reliability;

/// <summary>OUTPUT_DIR on a small tmpfs (needs root, as CI runs): a run that fills it stops naming the file, keeps its complete results, and resumes once space is freed.</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class FullDiskTests(SyntheticCapsFixture data)
{
    [Fact]
    public void FullDisk_StopsNamingTheFile_KeepsCompleteFiles_AndResumesOnceFreed()
    {
        if (!Privileges.Available()) return; // a developer's non-root machine cannot mount a tmpfs
        using (var disk = new Privileges.TmpFs(data.NewOutput("tmpfs"), "2m"))
        {
            string output = Path.Combine(disk.Path, "results");
            var full = CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu", "--n_splits", "2",
                "--split", "0", "--epochs", "3", "--batch_size", "4", "--threads", "1");
            Assert.Equal(1, full.ExitCode);
            Assert.Contains("could not be written", full.Error);
            Assert.Contains(output, full.Error); // the message names the file
            OutputFiles.CheckAllParse(output);

            disk.Resize("64m");
            var resumed = CliRunner.Run("train", "resume", output);
            Assert.True(resumed.ExitCode == 0, resumed.All);
            OutputFiles.CheckAllParse(output);
            Assert.True(File.Exists(Path.Combine(output, "fold-0", "cnn_classification", "best_loss", "validation_image_level_metrics.tsv")));
        }
    }
}
