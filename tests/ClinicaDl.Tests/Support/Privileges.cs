using System.Diagnostics;

namespace ClinicaDl.Tests.Support;

/// <summary>What needs root in the fault tests: mounting a small tmpfs (a full disk), and running clinicadl as an unprivileged user (unreadable files).</summary>
/// <remarks>CI runs as root and must run these tests (<see cref="Python.Required"/>); elsewhere they return early.</remarks>
internal static class Privileges
{
    /// <summary>True when this process can mount file systems and drop to <see cref="Nobody"/>.</summary>
    public static bool IsRoot => Environment.UserName == "root" && File.Exists("/usr/bin/mount") && File.Exists("/usr/bin/setpriv");

    /// <summary>The unprivileged user clinicadl runs as in permission tests.</summary>
    public const string Nobody = "nobody";

    /// <summary>Fails in CI (which runs as root) and returns false elsewhere when not root, so a test can skip itself.</summary>
    public static bool Available()
    {
        if (IsRoot) return true;
        Assert.False(Python.Required, "CI runs as root and must run this test");
        return false;
    }

    /// <summary>Runs a shell command; throws with its error output when it fails.</summary>
    public static void Sh(string command)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        string error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{command}: {error}");
    }

    /// <summary>A tmpfs of a given size (e.g. <c>2m</c>) mounted on a new folder; unmounted on dispose.</summary>
    public sealed class TmpFs : IDisposable
    {
        public TmpFs(string mountPoint, string size)
        {
            Path = mountPoint;
            Directory.CreateDirectory(mountPoint);
            Sh($"mount -t tmpfs -o size={size},mode=0777 tmpfs '{mountPoint}'");
        }

        public string Path { get; }

        public void Resize(string size) => Sh($"mount -o remount,size={size} '{Path}'");

        public void Dispose() => Sh($"umount '{Path}'");
    }
}
