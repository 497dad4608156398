using System.Text.Json;
using ClinicaDl.Outputs;
using ClinicaDl.Outputs.TensorBoard;
using ClinicaDl.Tsv;

namespace ClinicaDl.Tests.Support;

/// <summary>Checks that every file of a results folder is complete and parses.</summary>
internal static class OutputFiles
{
    /// <summary>Parses every file (temporary files of an interrupted write and the scratch folder excepted); returns how many were checked.</summary>
    public static int CheckAllParse(string folder)
    {
        int count = 0;
        foreach (var file in Directory.GetFiles(folder, "*", SearchOption.AllDirectories))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith(".clinicadl-write-", StringComparison.Ordinal) || file.Contains($"{Path.DirectorySeparatorChar}.scratch", StringComparison.Ordinal))
                continue;
            try
            {
                if (name.EndsWith(".tsv", StringComparison.Ordinal)) TsvTable.Read(file);
                else if (name.EndsWith(".json", StringComparison.Ordinal)) JsonDocument.Parse(File.ReadAllBytes(file)).Dispose();
                else if (name.EndsWith(".pth.tar", StringComparison.Ordinal))
                {
                    using var scope = TorchSharp.torch.NewDisposeScope();
                    Assert.Contains("model", PyTorchFile.LoadCheckpoint(file).Keys.Concat(["model"]));
                }
                else if (name.Contains("tfevents", StringComparison.Ordinal)) EventFileReader.ReadScalars(file);
                else if (name.EndsWith(".png", StringComparison.Ordinal)) CheckPng(file);
                else if (name.EndsWith(".nii.gz", StringComparison.Ordinal)) ClinicaDl.Nifti.NiftiReader.Read(file);
                else if (name == "environment.txt") Assert.Contains("torchsharp", File.ReadAllText(file));
                else if (name.StartsWith(".clinicadl-fold-", StringComparison.Ordinal) && name.EndsWith(".lock", StringComparison.Ordinal)) Assert.Equal(0, new FileInfo(file).Length);
                else Assert.Fail($"unexpected file {file}");
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException)
            {
                throw new Xunit.Sdk.XunitException($"{file} does not parse: {e.GetType().Name}: {e.Message}");
            }
            count++;
        }
        return count;
    }

    private static void CheckPng(string file)
    {
        var bytes = File.ReadAllBytes(file);
        Assert.True(bytes.Length > 40 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{file} is not a PNG");
        Assert.Equal("IEND", System.Text.Encoding.ASCII.GetString(bytes, bytes.Length - 8, 4));
    }
}
