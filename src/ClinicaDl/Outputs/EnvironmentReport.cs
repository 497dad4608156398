using System.Runtime.InteropServices;
using System.Text;
using ClinicaDl.Options;

namespace ClinicaDl.Outputs;

/// <summary>The text of <c>environment.txt</c>: what ran the training (ClinicaDL writes <c>pip freeze</c>).</summary>
public static class EnvironmentReport
{
    /// <summary>OS, .NET, TorchSharp and LibTorch versions, CPU/GPU, precision, threads and package versions.</summary>
    public static string Describe(bool useCpu, string precision, int threads)
    {
        var sb = new StringBuilder();
        sb.Append("clinicadl (ClinicaDL.NET) ").Append(CommandLineRecord.ToolVersion).Append('\n');
        sb.Append("os: ").Append(RuntimeInformation.OSDescription).Append(" (").Append(RuntimeInformation.RuntimeIdentifier).Append(")\n");
        sb.Append("dotnet: ").Append(RuntimeInformation.FrameworkDescription).Append('\n');
        sb.Append("torchsharp: ").Append(Version(typeof(TorchSharp.torch))).Append('\n');
        sb.Append("libtorch: ").Append(LibTorchVersion()).Append('\n');
        sb.Append("cpu: ").Append(CpuName()).Append(" (").Append(Environment.ProcessorCount).Append(" logical cores)\n");
        sb.Append("cuda available: ").Append(TorchSharp.torch.cuda.is_available() ? "yes" : "no").Append('\n');
        sb.Append("device: ").Append(useCpu ? "cpu" : "cuda").Append('\n');
        sb.Append("precision: ").Append(precision).Append('\n');
        sb.Append("torch threads: ").Append(threads).Append('\n');
        sb.Append("malloc: ").Append(Training.NativeHeap.Describe()).Append('\n');
        sb.Append("packages:\n");
        // The application's own assemblies (those beside it, not the shared framework), like pip freeze lists packages.
        string appDir = Path.GetFullPath(AppContext.BaseDirectory);
        foreach (var file in Directory.GetFiles(appDir, "*.dll").Order(StringComparer.Ordinal))
        {
            try
            {
                var name = System.Reflection.AssemblyName.GetAssemblyName(file);
                sb.Append("  ").Append(name.Name).Append("==").Append(name.Version).Append('\n');
            }
            catch (BadImageFormatException)
            {
                // a native library
            }
        }
        return sb.ToString();
    }

    private static string Version(Type type)
    {
        var info = type.Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        return info ?? type.Assembly.GetName().Version?.ToString() ?? "unknown";
    }

    /// <summary>The LibTorch version, read from the package folder the native library came from when possible.</summary>
    private static string LibTorchVersion()
    {
        try
        {
            return TorchSharp.torch.__version__;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return "unknown";
        }
    }

    private static string CpuName()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
            }
        }
        catch (IOException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }
}
