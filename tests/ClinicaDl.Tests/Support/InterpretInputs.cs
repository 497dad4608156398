using System.Globalization;
using System.Text;
using ClinicaDl.Caps;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Options;
using static TorchSharp.torch;

namespace ClinicaDl.Tests.Support;

/// <summary>Helpers of the interpret tests: the exact network inputs of a model's elements for PyTorch, a clinicadl run in a child
/// process (its thread count is its own), and the <c>.npy</c> maps read back.</summary>
internal static class InterpretInputs
{
    /// <summary>Saves the normalised input of every element of the <paramref name="diagnosis"/> sessions of the model's label folder
    /// (or of <paramref name="tsvFile"/>), read from its CAPS as interpret reads them, as <c>&lt;folder&gt;/&lt;n&gt;.pt</c> (C, …) tensors listed in
    /// <c>&lt;folder&gt;/index.tsv</c> (participant_id, session_id, element id, file).</summary>
    /// <returns>The folder.</returns>
    public static string Save(string modelPath, string folder, string diagnosis = "AD", string? tsvFile = null)
    {
        var model = CommandLineRecord.Read(Path.Combine(modelPath, "commandline.json"), modelPath).Rebased();
        var cohort = Cohort.Resolve(model.CapsDir, model.TsvPath, false, requireDiagnoses: false).Single();
        var sessions = LabelFile.Read(tsvFile ?? Path.Combine(model.TsvPath, diagnosis + ".tsv"), cohort.Name, cohort.CapsRoot)
            .Where(s => s.Diagnosis == diagnosis).ToList();
        var set = model.Mode.Elements(model, [cohort], sessions);
        Directory.CreateDirectory(folder);
        var index = new StringBuilder("participant_id\tsession_id\tid\tfile\n");
        long[] shape = [set.Channels, .. set.Shape(0).Select(s => (long)s)];
        int n = 0;
        foreach (var session in sessions)
        {
            var stored = Enumerable.Range(0, set.Count).Select(k => new float[set.StoredLength(k)]).ToArray();
            set.Load(session, [.. stored.Select(s => s.AsMemory())]);
            for (int k = 0; k < set.Count; k++)
            {
                var input = new float[shape.Aggregate(1L, (a, b) => a * b)];
                set.Expand(k, stored[k], input);
                string file = Path.Combine(folder, $"{n++}.pt");
                using (NewDisposeScope()) PyTorchFile.SaveTensor(file, tensor(input, shape));
                index.Append(CultureInfo.InvariantCulture, $"{session.ParticipantId}\t{session.SessionId}\t{set.Id(k)}\t{file}\n");
            }
        }
        File.WriteAllText(Path.Combine(folder, "index.tsv"), index.ToString());
        return folder;
    }

    /// <summary>Runs clinicadl with <paramref name="args"/> in a child process; asserts exit 0.</summary>
    public static void Run(params string[] args)
    {
        using var child = new ChildProcess(args);
        int code = child.WaitForExit(TimeSpan.FromMinutes(5));
        Assert.True(code == 0, $"clinicadl {string.Join(" ", args)} exited {code}:\n{child.Output}");
    }

    /// <summary>Reads a little-endian float32 <c>.npy</c> file (C order): its shape and values.</summary>
    public static (int[] Shape, float[] Data) ReadNpy(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int headerLength = BitConverter.ToUInt16(bytes, 8);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLength);
        Assert.Contains("'descr': '<f4'", header, StringComparison.Ordinal);
        Assert.Contains("'fortran_order': False", header, StringComparison.Ordinal);
        string dims = header[(header.IndexOf("'shape': (", StringComparison.Ordinal) + 10)..];
        dims = dims[..dims.IndexOf(')', StringComparison.Ordinal)];
        int[] shape = [.. dims.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(d => int.Parse(d, CultureInfo.InvariantCulture))];
        var data = new float[(bytes.Length - 10 - headerLength) / 4];
        Buffer.BlockCopy(bytes, 10 + headerLength, data, 0, data.Length * 4);
        Assert.Equal(shape.Aggregate(1, (a, b) => a * b), data.Length);
        return (shape, data);
    }
}
