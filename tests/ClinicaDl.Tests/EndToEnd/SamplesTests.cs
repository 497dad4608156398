using System.Diagnostics;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.EndToEnd;

/// <summary>The scripts in samples/ run as documented (so they do not rot).</summary>
[Collection(SyntheticCapsCollection.Name)]
public sealed class SamplesTests(SyntheticCapsFixture data)
{
    private static string Samples => Path.Combine(Repository.Root, "samples");

    private static (int Code, string Output) Bash(string script, IDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output + err.Result);
    }

    [Fact]
    public void SlurmSamples_TrainEachFoldAsAnArrayTask_ThenClassify()
    {
        string work = data.NewOutput("slurm");
        Directory.CreateDirectory(work);
        // The scripts call "$CLINICADL" as one word: a wrapper around the test's build.
        string wrapper = Path.Combine(work, "clinicadl");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexec dotnet '{Path.Combine(AppContext.BaseDirectory, "clinicadl.dll")}' \"$@\"\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string output = Path.Combine(work, "results");
        var env = new Dictionary<string, string>
        {
            ["CAPS"] = data.Caps,
            ["LABELS"] = data.Labels,
            ["OUT"] = output,
            ["CLINICADL"] = wrapper,
            ["N_SPLITS"] = "2",
            ["EPOCHS"] = "1",
            ["THREADS"] = "1",
            ["TEST"] = Path.Combine(data.Labels, "validation_splits-2", "split-0"),
        };
        foreach (string fold in new[] { "0", "1" })
        {
            env["SLURM_ARRAY_TASK_ID"] = fold;
            var (code, text) = Bash(Path.Combine(Samples, "slurm", "train-folds.sbatch"), env);
            Assert.True(code == 0, text);
        }
        // Fold 1 trained on fold 0's validation subjects: the leak check refuses them, as it should.
        var (leak, leakText) = Bash(Path.Combine(Samples, "slurm", "classify.sbatch"), env);
        Assert.Equal(2, leak);
        Assert.Contains("--skip_leak_check", leakText);
        Assert.True(File.Exists(Path.Combine(output, "fold-1", "cnn_classification", "best_loss", "validation_image_level_prediction.tsv")));
    }

    [PythonFact("torch", "nibabel")]
    public void PythonSample_LoadsModelBest_AndPredictsARoi()
    {
        string output = data.NewOutput("python-sample");
        Assert.Equal(0, CliRunner.Run("train", "roi", "cnn", data.Caps, "t1-linear", data.Labels, output, "Conv4_FC3", "-cpu",
            "--n_splits", "2", "--split", "0", "--epochs", "1", "--batch_size", "4", "--threads", "1").ExitCode);
        string image = Path.Combine(data.Caps, "subjects", "sub-TRIV0", "ses-M00", "t1_linear", "sub-TRIV0_ses-M00_T1w_space-MNI152NLin2009cSym_desc-Crop_res-1x1x1_T1w.nii.gz");
        string text = Python.Run(File.ReadAllText(Path.Combine(Samples, "python", "predict_roi.py")).Replace("if __name__ == \"__main__\":", "if True:"),
            Path.Combine(output, "fold-0", "models", "best_loss", "model_best.pth.tar"), image, "1");
        Assert.Matches(@"roi 1: proba0 0\.\d{4}, proba1 0\.\d{4} -> (AD|CN)", text);
    }
}
