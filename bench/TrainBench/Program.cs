// TrainBench: how close `clinicadl train roi` comes to the compute-only limit of this machine, and what --amp would give.
//
//   dotnet run -c Release --project bench/TrainBench -- train [--network cnn|multicnn|autoencoder|slice-cnn|image-cnn|patch-cnn|patch-multicnn]
//        [--sizes 20,40,80] [--epochs 4] [--batch_size 8] [--threads 2] [--nproc 2] [--repeat 3] [--cache_memory SIZE] [--slices 5] [--cli PATH]
//   dotnet run -c Release --project bench/TrainBench -- compute [--sizes 20] [--epochs 4] [--threads 2]   (only (b), per epoch)
//   dotnet run -c Release --project bench/TrainBench -- amp [--steps 50] [--timed 20] [--repeat 3]
//   dotnet run -c Release --project bench/TrainBench -- conv [--batch_size 8] [--threads 1] [--repeat 5]   (LibTorch's conv3d vs ExactConvolution)
//   dotnet run -c Release --project bench/TrainBench -- slices [--batch_size 8] [--threads 2] [--repeat 3]   (slice cache storage)
//   dotnet run -c Release --project bench/TrainBench -- scalar-race [--timed 20]   (temporary Scalars freed during a native call)
//
// See bench/README.md for what is printed and the figures measured.
using System.Globalization;
using TrainBench;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
var options = Options.Parse(args);
// The compute-only limit is only fair with the malloc settings of the training process (the library's NativeHeap): the
// compute modes choose them by their batches (ComputeLimit), the other benchmarks have small ones.
if (options.Malloc == "tuned" && options.Mode is not ("train" or "compute" or "compute-child")
    && ClinicaDl.Training.NativeHeap.ForTraining(0) == ClinicaDl.Training.HeapPolicy.GlibcDefaults)
    Console.Error.WriteLine("trainbench: --malloc tuned: mallopt not available, glibc defaults kept");
// As the training process: LibTorch's allocator zero-fills, so oneDNN's padded channel blocks never hold a freed NaN.
if (options.Mode != "train") ClinicaDl.Training.LibTorchAllocator.ZeroFill();
try
{
    return options.Mode switch
    {
        "train" => TrainCommand.Run(options),
        "amp" => AmpBench.Run(options),
        "conv" => ConvBench.Run(options),
        "compute" => TrainCommand.ComputeOnly(options),
        "compute-child" => TrainCommand.ComputeChild(options),
        "slices" => SliceBench.Run(options),
        "scalar-race" => ScalarRace.Run(options),
        _ => Options.Usage($"unknown mode '{options.Mode}'"),
    };
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine("trainbench: " + e.Message);
    return 1;
}

/// <summary>Command-line options of both modes.</summary>
internal sealed class Options
{
    public string Mode { get; private set; } = "train";
    public string Network { get; private set; } = "cnn";
    public int[] Sizes { get; private set; } = [20, 40, 80];
    public int Epochs { get; private set; } = 4;
    public int BatchSize { get; private set; } = 8;
    public int Threads { get; private set; } = Environment.ProcessorCount;
    public int NProc { get; private set; } = 2;
    public int Repeat { get; private set; } = 3;
    public int Steps { get; private set; } = 50;
    public int Timed { get; private set; } = 20;
    public string? Cli { get; private set; }
    public int TrainElements { get; private set; }
    public int ValidElements { get; private set; }
    public int Networks { get; private set; } = 1;
    public int Slices { get; private set; } = BenchNetwork.DefaultSlices; // slice-cnn: central sagittal slices per session
    public string Malloc { get; private set; } = "tuned"; // as the library does in the training process (NativeHeap)
    public string? CacheMemory { get; private set; } // passed to clinicadl as --cache_memory (e.g. 1M: every image spills to the scratch file)

    public static Options Parse(string[] args)
    {
        var o = new Options();
        int i = 0;
        if (args.Length > 0 && !args[0].StartsWith('-')) o.Mode = args[i++];
        for (; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new InvalidOperationException($"{args[i]} needs a value");
            int Int() => int.Parse(value, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--network": o.Network = value; break;
                case "--sizes": o.Sizes = value.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
                case "--epochs": o.Epochs = Int(); break;
                case "--batch_size": o.BatchSize = Int(); break;
                case "--threads": o.Threads = Int(); break;
                case "--nproc": case "-np": o.NProc = Int(); break;
                case "--repeat": o.Repeat = Int(); break;
                case "--steps": o.Steps = Int(); break;
                case "--timed": o.Timed = Int(); break;
                case "--cli": o.Cli = value; break;
                case "--train": o.TrainElements = Int(); break;
                case "--valid": o.ValidElements = Int(); break;
                case "--networks": o.Networks = Int(); break;
                case "--slices": o.Slices = Int(); break;
                case "--cache_memory": o.CacheMemory = value; break;
                case "--malloc": o.Malloc = value is "default" or "tuned" ? value : throw new InvalidOperationException("--malloc must be default or tuned"); break;
                default: throw new InvalidOperationException($"unknown option {args[i]}");
            }
            i++;
        }
        if (o.Epochs < 2) throw new InvalidOperationException("--epochs must be at least 2 (the steady-state figure is epochs 2..E)");
        if (o.Sizes.Any(n => n < 4 || n % 2 != 0)) throw new InvalidOperationException("--sizes must be even numbers of images ≥ 4 (N/2 AD + N/2 CN)");
        return o;
    }

    public static int Usage(string error)
    {
        Console.Error.WriteLine($"trainbench: {error}\nusage: TrainBench [train|amp|conv|slices|scalar-race] [options]  (see bench/README.md)");
        return 2;
    }
}
