using ClinicaDl.Caps;
using ClinicaDl.Options;
using ClinicaDl.Slices;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Slices;

public sealed class SliceOptionsTests
{
    private static TrainOptions Options(SliceOptions mode, NetworkType type = NetworkType.Cnn)
        => TrainOptions.Defaults(type, "caps", "labels", "out", mode);

    [Fact]
    public void CommandLineJson_SliceKeysAfterAccumulationSteps_AsSpec14()
    {
        var keys = System.Text.Json.JsonDocument.Parse(CommandLineRecord.ToJson(Options(new SliceOptions())))
            .RootElement.EnumerateObject().Select(p => p.Name).ToList();
        int a = keys.IndexOf("accumulation_steps");
        Assert.Equal(["slice_direction", "discarded_slices", "use_extracted_slices", "transfer_learning_path", "transfer_learning_selection", "selection_threshold"],
            keys.Skip(a + 1).Take(6));
        Assert.DoesNotContain("visualization", keys);
        string json = CommandLineRecord.ToJson(Options(new SliceOptions()));
        Assert.Contains("\"mode\": \"slice\"", json);
        Assert.Contains("\"model\": \"resnet18\"", json);
        Assert.Contains("\"discarded_slices\": 20,", json); // 0.2.1 stores its default as an int
        Assert.Contains("\"discarded_slices\": [\n        10,\n        30\n    ],", CommandLineRecord.ToJson(Options(new SliceOptions(1, [10, 30]))));
    }

    [Theory]
    [InlineData("\"slice_direction\": 2, \"discarded_slices\": [10, 30]", 2, new[] { 10, 30 })]
    [InlineData("\"mri_plane\": 1, \"discarded_slices\": 80", 1, new[] { 80 })] // older files (spec §1.2); M2: the recorded value, not 20
    [InlineData("\"slice_direction\": 0, \"discarded_slices\": 20", 0, null)]
    [InlineData("\"slice_direction\": 0", 0, null)]
    public void Read_SliceRecord_KeepsDirectionAndDiscardedSlices(string keys, int direction, int[]? discarded)
    {
        using var dir = new TempDir();
        string path = dir.Combine("commandline.json");
        File.WriteAllText(path, "{\"mode\": \"slice\", \"network_type\": \"cnn\", \"caps_dir\": \"caps\", \"preprocessing\": \"t1-linear\", "
            + "\"tsv_path\": \"labels\", \"model\": \"resnet18\", \"diagnoses\": [\"AD\", \"CN\"], " + keys + "}");
        var read = CommandLineRecord.Read(path, dir.Path);
        var mode = Assert.IsType<SliceOptions>(read.Mode);
        Assert.Equal(direction, mode.SliceDirection);
        Assert.Equal(discarded, mode.DiscardedSlices?.ToArray());
        Assert.Equal("resnet18", read.Model);
    }

    [Fact]
    public void RoundTrip_WritesAndReadsTheSameOptions()
    {
        using var dir = new TempDir();
        var options = Options(new SliceOptions(2, [5, 7], UseExtractedSlices: true), NetworkType.MultiCnn);
        string path = dir.Combine("commandline.json");
        File.WriteAllText(path, CommandLineRecord.ToJson(options));
        var read = CommandLineRecord.Read(path, dir.Path);
        Assert.Null(CommandLineRecord.FirstDifference(options, read));
        Assert.Equal(new SliceOptions(2, [5, 7], true).Range, ((SliceOptions)read.Mode).Range);
    }

    [Fact]
    public void ElementCount_IsTheUsedSlicesOfTheT1LinearGrid()
    {
        Assert.Equal(129, new SliceOptions().ElementCount);
        Assert.Equal(208 - 15, new SliceOptions(1, [5, 10]).ElementCount);
    }

    [Fact]
    public void Elements_SliceIdsAreAbsolute_AndPlanesArePackedFourToAFloat()
    {
        var set = new SliceElements(new SliceSource(SliceRange.From(SliceDirection.Axial, [30]), false), 119);
        Assert.Equal(30, set.Id(0));
        Assert.Equal(148, set.Id(118));
        Assert.Equal("slice-30", set.Name(0));
        Assert.Equal(3 * 224 * 224, ClinicaDl.Elements.ElementSets.Length(set, 0));
        Assert.Equal(224 * 224 / 4, set.StoredLength(0));
        var plane = new byte[SliceExtractor.PlaneSize];
        new Random(1).NextBytes(plane);
        var stored = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(plane).ToArray();
        var input = new float[SliceExtractor.InputSize];
        set.Expand(0, stored, input);
        Assert.Equal(plane[12345] / 255f, input[2 * SliceExtractor.PlaneSize + 12345]);
    }
}
