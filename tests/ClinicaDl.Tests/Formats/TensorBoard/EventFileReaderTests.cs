using ClinicaDl.Errors;
using ClinicaDl.Formats.TensorBoard;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Formats.TensorBoard;

public sealed class EventFileReaderTests
{
    private static readonly DateTimeOffset Start = new(2024, 5, 17, 7, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ReadScalars_TamperedDataByte_ThrowsEventFileExceptionAtThatRecord()
    {
        using var dir = new TempDir();
        string path = WriteThreeScalars(dir);
        byte[] bytes = File.ReadAllBytes(path);
        var records = TfRecord.ReadAll(path, bytes);
        long second = records[2].Offset;
        bytes[second + 12 + 3] ^= 0x01;  // a byte inside the second scalar's event
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<EventFileException>(() => EventFileReader.ReadScalars(path));

        Assert.Equal(path, e.Path);
        Assert.Equal(second, e.Offset);
        Assert.Contains("CRC-32C", e.Message);
        Assert.StartsWith($"{path}, byte {second}: ", e.Message);
    }

    [Fact]
    public void ReadScalars_TamperedLengthByte_ThrowsEventFileException()
    {
        using var dir = new TempDir();
        string path = WriteThreeScalars(dir);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[0] ^= 0x04;
        File.WriteAllBytes(path, bytes);

        var e = Assert.Throws<EventFileException>(() => EventFileReader.ReadScalars(path));

        Assert.Equal(0, e.Offset);
        Assert.Contains("length", e.Message);
    }

    [Fact]
    public void ReadScalars_TruncatedFile_ThrowsEventFileException()
    {
        using var dir = new TempDir();
        string path = WriteThreeScalars(dir);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^5]);

        var e = Assert.Throws<EventFileException>(() => EventFileReader.ReadScalars(path));

        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void ReadScalars_MissingFile_ThrowsEventFileException()
    {
        using var dir = new TempDir();
        string path = dir.Combine("events.out.tfevents.0000000000.nowhere");

        var e = Assert.Throws<EventFileException>(() => EventFileReader.ReadScalars(path));

        Assert.Equal($"{path}: does not exist.", e.Message);
    }

    [Fact]
    public void ReadScalars_ValidRecordThatIsNotAnEvent_ThrowsEventFileException()
    {
        using var dir = new TempDir();
        string path = dir.Combine("events.out.tfevents.0000000000.x");
        File.WriteAllBytes(path, TfRecord.Frame([0x0f, 0xff]));  // field 1 with wire type 7: not protobuf

        var e = Assert.Throws<EventFileException>(() => EventFileReader.ReadScalars(path));

        Assert.Contains("not a tensorflow Event", e.Message);
    }

    private static string WriteThreeScalars(TempDir dir)
    {
        using var writer = EventFileWriter.Create(dir.Path, Start, "host");
        writer.AddScalar("loss", 0.7f, 10, Start.AddSeconds(1));
        writer.AddScalar("loss", 0.6f, 20, Start.AddSeconds(2));
        writer.AddScalar("loss", 0.5f, 30, Start.AddSeconds(3));
        return writer.Path;
    }
}
