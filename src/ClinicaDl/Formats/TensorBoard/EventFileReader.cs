using ClinicaDl.Errors;
using Google.Protobuf;

namespace ClinicaDl.Formats.TensorBoard;

/// <summary>Reads TensorBoard events files back, checking every record's length and CRC-32C.</summary>
/// <remarks>Used by tests, and by <see cref="EventFileWriter.OpenOrCreate"/> to continue a resumed run's file.</remarks>
public static class EventFileReader
{
    /// <summary>The scalars in <paramref name="path"/>, in file order.</summary>
    /// <exception cref="EventFileException">The file is missing or unreadable, a record is truncated or fails its checksum, or an event is not valid protobuf.</exception>
    public static IReadOnlyList<ScalarEvent> ReadScalars(string path)
        => ReadEvents(path)
            .SelectMany(e => e.Event.Scalars.Select(s => new ScalarEvent(s.Tag, e.Event.Step, s.Value, TensorBoardEvent.FromUnixSeconds(e.Event.WallTime))))
            .ToList();

    /// <summary>Every record of <paramref name="path"/> with its decoded event.</summary>
    internal static List<(TfRecord.Record Record, TensorBoardEvent Event)> ReadEvents(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new EventFileException(path, null, "does not exist.", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EventFileException(path, null, $"cannot be read ({e.Message}).", e);
        }

        var events = new List<(TfRecord.Record, TensorBoardEvent)>();
        foreach (var record in TfRecord.ReadAll(path, file))
        {
            try
            {
                events.Add((record, TensorBoardEvent.Decode(record.Data)));
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new EventFileException(path, record.Offset, $"record is not a tensorflow Event ({e.Message}).", e);
            }
        }
        return events;
    }
}
