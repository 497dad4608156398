using ClinicaDl.Errors;
using ClinicaDl.Formats.TensorBoard;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Formats.TensorBoard;

public sealed class EventFileWriterTests
{
    private static readonly DateTimeOffset Start = new(2024, 5, 17, 9, 30, 12, 250, TimeSpan.FromHours(2));

    [Fact]
    public void Create_FileName_HasTenDigitUnixSecondsAndHost()
    {
        using var dir = new TempDir();
        string logDir = dir.Combine("fold-0", "tensorboard_logs", "train");

        using var writer = EventFileWriter.Create(logDir, Start, "node-7");

        Assert.Equal($"events.out.tfevents.{Start.ToUnixTimeSeconds():D10}.node-7", Path.GetFileName(writer.Path));
        Assert.Equal(Path.GetFullPath(logDir), Path.GetDirectoryName(Path.GetFullPath(writer.Path)));
    }

    [Fact]
    public void Create_WithoutHostName_UsesThisMachinesName()
    {
        using var dir = new TempDir();

        using var writer = EventFileWriter.Create(dir.Path, Start);

        Assert.EndsWith("." + System.Net.Dns.GetHostName(), writer.Path);
    }

    [Fact]
    public void Create_FirstRecord_IsFileVersionWithUnixWallTime()
    {
        using var dir = new TempDir();

        using var writer = EventFileWriter.Create(dir.Path, Start, "host");

        var only = Assert.Single(EventFileReader.ReadEvents(writer.Path));
        Assert.Equal("brain.Event:2", only.Event.FileVersion);
        Assert.Equal(Start.ToUnixTimeMilliseconds() / 1000.0, only.Event.WallTime, 6);
        Assert.Empty(only.Event.Scalars);
    }

    [Fact]
    public void Create_ExistingFileName_ThrowsOutputFolderException()
    {
        using var dir = new TempDir();
        using (EventFileWriter.Create(dir.Path, Start, "host")) { }

        var e = Assert.Throws<OutputFolderException>(() => EventFileWriter.Create(dir.Path, Start, "host"));

        Assert.Contains("events.out.tfevents.", e.Message);
    }

    [Fact]
    public void AddScalar_ThenFlush_RoundTripsThroughTheReader()
    {
        using var dir = new TempDir();
        using var writer = EventFileWriter.Create(dir.Path, Start, "host");
        var expected = new List<ScalarEvent>();
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var time = Start.AddSeconds(10 * epoch + 0.123456);
            long step = (epoch + 1) * 40L;
            foreach (var (tag, value) in new[] { ("balanced_accuracy", 0.5f + epoch / 10f), ("loss", 0.69314718f / (epoch + 1)) })
            {
                writer.AddScalar(tag, value, step, time);
                expected.Add(new ScalarEvent(tag, step, value, time));
            }
        }

        writer.Flush();
        var actual = EventFileReader.ReadScalars(writer.Path);

        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Tag, actual[i].Tag);
            Assert.Equal(expected[i].Step, actual[i].Step);
            Assert.Equal(expected[i].Value, actual[i].Value);
            Assert.True(Math.Abs((expected[i].WallTime - actual[i].WallTime).TotalMilliseconds) < 0.01, $"wall time {actual[i].WallTime:O}");
        }
    }

    [Fact]
    public void AddScalar_BeforeFlush_IsNotOnDiskAndDisposeWritesIt()
    {
        using var dir = new TempDir();
        var writer = EventFileWriter.Create(dir.Path, Start, "host");

        writer.AddScalar("loss", 1f, 1, Start);
        Assert.Empty(EventFileReader.ReadScalars(writer.Path));
        writer.Dispose();

        Assert.Single(EventFileReader.ReadScalars(writer.Path));
        Assert.Throws<ObjectDisposedException>(() => writer.AddScalar("loss", 1f, 2, Start));
    }

    [TfEventsCheckerFact]
    public void Flush_File_PassesTheIndependentChecker()
    {
        using var dir = new TempDir();
        var now = DateTimeOffset.UtcNow;
        string path;
        using (var writer = EventFileWriter.Create(dir.Combine("train"), now))
        {
            path = writer.Path;
            for (int step = 10; step <= 30; step += 10)
            {
                writer.AddScalar("loss", 1f / step, step, now.AddSeconds(step));
                writer.AddScalar("balanced_accuracy", 0.25f + step / 100f, step, now.AddSeconds(step));
            }
        }

        var (exitCode, output) = TfEventsChecker.Run(path, "--tags", "loss,balanced_accuracy", "--min-records", "7");

        Assert.True(exitCode == 0, output);
        Assert.Contains("record 0: file_version brain.Event:2", output);
        Assert.Contains("step 20\tloss\t0.05000000074505806", output);
        Assert.Contains("step 30\tbalanced_accuracy\t0.550000011920929", output);
        Assert.Contains("7 records, 2 tags, 0 defects", output);
        foreach (var scalar in EventFileReader.ReadScalars(path))
            Assert.True(Math.Abs((scalar.WallTime - now).TotalHours) < 24, $"{scalar.WallTime:O} is not within a day of now");
    }

    [Fact]
    public void OpenOrCreate_EmptyFolder_CreatesAFile()
    {
        using var dir = new TempDir();

        using var writer = EventFileWriter.OpenOrCreate(dir.Combine("validation"), Start, hostName: "host");

        Assert.True(File.Exists(writer.Path));
        Assert.Equal("brain.Event:2", Assert.Single(EventFileReader.ReadEvents(writer.Path)).Event.FileVersion);
    }

    [Fact]
    public void OpenOrCreate_ExistingFile_KeepsItsRecordsAndAppends()
    {
        using var dir = new TempDir();
        string first;
        using (var writer = EventFileWriter.Create(dir.Path, Start, "host"))
        {
            first = writer.Path;
            writer.AddScalar("loss", 0.9f, 40, Start.AddMinutes(1));
            writer.AddScalar("loss", 0.8f, 80, Start.AddMinutes(2));
        }

        using (var writer = EventFileWriter.OpenOrCreate(dir.Path, Start.AddHours(1), hostName: "other"))
        {
            Assert.Equal(first, writer.Path);
            writer.AddScalar("loss", 0.7f, 120, Start.AddHours(1));
        }

        Assert.Equal(new long[] { 40, 80, 120 }, EventFileReader.ReadScalars(first).Select(s => s.Step));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void OpenOrCreate_DropStepsAfter_RemovesScalarsLoggedAfterTheCheckpoint()
    {
        using var dir = new TempDir();
        using (var writer = EventFileWriter.Create(dir.Path, Start, "host"))
        {
            foreach (long step in new long[] { 40, 80, 100, 120 })
                writer.AddScalar("loss", step, step, Start);
        }

        using (var writer = EventFileWriter.OpenOrCreate(dir.Path, Start, dropStepsAfter: 80))
        {
            Assert.Equal(new long[] { 40, 80 }, EventFileReader.ReadScalars(writer.Path).Select(s => s.Step));
            writer.AddScalar("loss", 1f, 120, Start);
        }

        var events = EventFileReader.ReadEvents(Directory.GetFiles(dir.Path).Single());
        Assert.Equal("brain.Event:2", events[0].Event.FileVersion);
        Assert.Equal(new long[] { 40, 80, 120 }, events.Skip(1).Select(e => e.Event.Step));
    }

    [Fact]
    public void OpenOrCreate_StaleTemporaryOfAnInterruptedFlush_IsRemoved()
    {
        using var dir = new TempDir();
        string path;
        using (var writer = EventFileWriter.Create(dir.Path, Start, "host"))
            path = writer.Path;
        string stale = Path.Combine(dir.Path, $".clinicadl-write-{int.MaxValue}-0123456789abcdef.tmp"); // a process that no longer runs
        File.WriteAllBytes(stale, [1, 2, 3]);

        using (EventFileWriter.OpenOrCreate(dir.Path, Start)) { }

        Assert.False(File.Exists(stale));
        Assert.Equal(new[] { path }, Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void OpenOrCreate_TwoEventFiles_ThrowsOutputFolderExceptionNamingTheFolder()
    {
        using var dir = new TempDir();
        using (EventFileWriter.Create(dir.Path, Start, "a")) { }
        using (EventFileWriter.Create(dir.Path, Start, "b")) { }

        var e = Assert.Throws<OutputFolderException>(() => EventFileWriter.OpenOrCreate(dir.Path, Start));

        Assert.Equal(dir.Path, e.Path);
        Assert.Contains("2 TensorBoard events files", e.Message);
    }

    [Fact]
    public void OpenOrCreate_DamagedFile_ThrowsEventFileException()
    {
        using var dir = new TempDir();
        string path;
        using (var writer = EventFileWriter.Create(dir.Path, Start, "host"))
            path = writer.Path;
        File.AppendAllText(path, "garbage");

        var e = Assert.Throws<EventFileException>(() => EventFileWriter.OpenOrCreate(dir.Path, Start));

        Assert.Equal(path, e.Path);
    }
}
