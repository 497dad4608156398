using System.Runtime.InteropServices;

namespace ClinicaDl.Common;

/// <summary>Whether this process may create files in a folder.</summary>
/// <remarks>
/// On Linux and macOS <c>access(2)</c> answers first, without writing (permissions, read-only mounts). It says yes to
/// root for folders no one can create files in (<c>/proc</c>), so a probe file, deleted at once, settles it. Call it as
/// the last check of a run, so that a run refused for any other reason has not touched the folder at all.
/// </remarks>
public static partial class FolderAccess
{
    private const int W_OK = 2, X_OK = 1;

    [DllImport("libc", EntryPoint = "access", SetLastError = true)]
    private static extern int Access([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int mode);

    /// <summary>True when files can be created in the existing folder <paramref name="folder"/>.</summary>
    public static bool CanCreateFilesIn(string folder)
    {
        if (!OperatingSystem.IsWindows())
        {
            try
            {
                if (Access(folder, W_OK | X_OK) != 0) return false;
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // No C library under that name: the probe decides.
            }
        }
        string test = Path.Combine(folder, $".clinicadl-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(test, 1, FileOptions.DeleteOnClose)) { }
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
        finally
        {
            try { File.Delete(test); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
