using System.Globalization;
using System.Net;
using System.Net.Sockets;
using ClinicaDl.Errors;

namespace ClinicaDl.Formats.TensorBoard;

/// <summary>Writes the TensorBoard events file of one log folder (e.g. <c>fold-0/tensorboard_logs/train</c>), as tensorboardX's <c>SummaryWriter</c> does in ClinicaDL 0.2.1.</summary>
/// <remarks>
/// <para>
/// The file is <c>events.out.tfevents.&lt;Unix seconds, 10 digits&gt;.&lt;host name&gt;</c>. Its first record is an
/// <c>Event</c> with the wall time and <c>file_version = "brain.Event:2"</c>; each scalar is an <c>Event</c> with
/// <c>wall_time</c> (Unix seconds), <c>step</c> and one <c>summary.value {tag, simple_value}</c>. Records use TFRecord
/// framing with masked CRC-32C checksums (spec §7.7).
/// </para>
/// <para>
/// Differs from tensorboardX, which appends to an open file: a SIGKILL could then leave a torn last record. Here
/// the records stay in memory and every <see cref="Flush"/> rewrites the whole file through <see cref="AtomicFile"/>,
/// so the file on disk is always complete (event files are a few KB). Scalars added since the last flush are lost
/// if the process dies; the trainer flushes after each evaluation.
/// </para>
/// <para>Times are passed in (the trainer derives them from its <see cref="TimeProvider"/>). Not thread-safe.</para>
/// </remarks>
public sealed class EventFileWriter : IDisposable
{
    /// <summary>The start of every events file name.</summary>
    public const string FileNamePrefix = "events.out.tfevents.";

    private readonly List<byte[]> records;
    private bool dirty;
    private bool disposed;

    private EventFileWriter(string path, List<byte[]> records, bool dirty)
    {
        Path = path;
        this.records = records;
        this.dirty = dirty;
    }

    /// <summary>The events file.</summary>
    public string Path { get; }

    /// <summary>Creates a new events file in <paramref name="logDir"/> (created if needed) and writes its first record.</summary>
    /// <param name="logDir">The writer's folder, e.g. <c>fold-0/tensorboard_logs/train</c>.</param>
    /// <param name="now">The creation time: names the file and stamps the first record.</param>
    /// <param name="hostName">The host name in the file name; null for this machine's (<see cref="Dns.GetHostName"/>, as Python's <c>socket.gethostname()</c>).</param>
    /// <exception cref="OutputFolderException">A file of that name already exists.</exception>
    /// <exception cref="IOException">The file could not be written; the message names it.</exception>
    public static EventFileWriter Create(string logDir, DateTimeOffset now, string? hostName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(logDir);
        string name = FileNamePrefix + now.ToUnixTimeSeconds().ToString("D10", CultureInfo.InvariantCulture) + "." + SafeHostName(hostName);
        string path = System.IO.Path.Combine(logDir, name);
        if (File.Exists(path))
            throw new OutputFolderException(path, "already exists.", "Continue it with EventFileWriter.OpenOrCreate, or write to another folder.");
        var first = TfRecord.Frame(TensorBoardEvent.EncodeFileVersion(TensorBoardEvent.ToUnixSeconds(now)));
        var writer = new EventFileWriter(path, [first], dirty: true);
        writer.Flush();
        return writer;
    }

    /// <summary>Continues the single events file in <paramref name="logDir"/> keeping its records, or creates one when there is none (for <c>train resume</c>).</summary>
    /// <param name="logDir">The writer's folder.</param>
    /// <param name="now">The creation time, used only when a new file is created.</param>
    /// <param name="dropStepsAfter">
    /// When set, scalars with a larger step are dropped: those logged after the checkpoint the run resumes from,
    /// which the resumed run logs again (TensorBoard would otherwise show steps going back).
    /// </param>
    /// <param name="hostName">The host name for a new file; null for this machine's.</param>
    /// <exception cref="OutputFolderException">The folder holds more than one events file.</exception>
    /// <exception cref="EventFileException">The existing file is damaged.</exception>
    /// <remarks>
    /// The existing file keeps its name (and so the host and time it was started with). Leftover temporary files of
    /// an interrupted flush of that file are removed, because TensorBoard would read them as event files.
    /// </remarks>
    public static EventFileWriter OpenOrCreate(string logDir, DateTimeOffset now, long? dropStepsAfter = null, string? hostName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(logDir);
        string[] existing = Directory.Exists(logDir)
            ? Directory.GetFiles(logDir, FileNamePrefix + "*").Order(StringComparer.Ordinal).ToArray()
            : [];
        if (existing.Length == 0)
            return Create(logDir, now, hostName);
        if (existing.Length > 1)
        {
            throw new OutputFolderException(logDir,
                $"holds {existing.Length} TensorBoard events files ({string.Join(", ", existing.Select(System.IO.Path.GetFileName))}); expected at most one to continue.",
                "Remove the extra files, or start the run again in a new folder.");
        }

        string path = existing[0];
        RemoveStaleTemporaries(path);
        var kept = new List<byte[]>();
        bool dropped = false;
        foreach (var (record, e) in EventFileReader.ReadEvents(path))
        {
            if (dropStepsAfter is { } last && e.Scalars.Count > 0 && e.Step > last)
                dropped = true;
            else
                kept.Add(record.Framed);
        }
        var writer = new EventFileWriter(path, kept, dirty: dropped);
        writer.Flush();
        return writer;
    }

    /// <summary>Adds scalar <paramref name="tag"/> = <paramref name="value"/> at <paramref name="step"/>; it reaches the disk at the next <see cref="Flush"/>.</summary>
    /// <param name="tag">The scalar's name, e.g. <c>loss</c> or <c>balanced_accuracy</c>.</param>
    /// <param name="value">The value (TensorBoard stores float32).</param>
    /// <param name="step">The global step.</param>
    /// <param name="wallTime">When the value was computed; stored as Unix seconds.</param>
    /// <exception cref="ArgumentException"><paramref name="tag"/> is empty.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void AddScalar(string tag, float value, long step, DateTimeOffset wallTime)
    {
        ArgumentException.ThrowIfNullOrEmpty(tag);
        ObjectDisposedException.ThrowIf(disposed, this);
        records.Add(TfRecord.Frame(TensorBoardEvent.EncodeScalar(TensorBoardEvent.ToUnixSeconds(wallTime), step, tag, value)));
        dirty = true;
    }

    /// <summary>Rewrites the file with every record so far, atomically; does nothing when nothing changed.</summary>
    /// <exception cref="IOException">The file could not be written; the message names it.</exception>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public void Flush()
    {
        ObjectDisposedException.ThrowIf(disposed, this);
        if (!dirty)
            return;
        AtomicFile.Write(Path, stream =>
        {
            foreach (var record in records)
                stream.Write(record);
        });
        dirty = false;
    }

    /// <summary>Flushes what is left and closes the writer.</summary>
    public void Dispose()
    {
        if (disposed)
            return;
        Flush();
        disposed = true;
    }

    private static string SafeHostName(string? hostName)
    {
        string name = hostName ?? MachineHostName();
        foreach (char c in System.IO.Path.GetInvalidFileNameChars())
            name = name.Replace(c, '_');
        return name.Length == 0 ? "localhost" : name;
    }

    private static string MachineHostName()
    {
        try
        {
            return Dns.GetHostName();
        }
        catch (SocketException)
        {
            return Environment.MachineName;
        }
    }

    private static void RemoveStaleTemporaries(string path)
    {
        AtomicFile.RemoveStaleTemporaries(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
    }
}
