// NiftiBench: how long NiftiReader.Read takes on a t1-linear-sized .nii.gz, relative to `gzip -dc`.
//
// The image is 169×208×179 float32 (clinica's t1-linear crop, ~25 MB raw) with brain-like content:
// an ellipsoid "head" of smooth blobs plus noise, quantised to whole intensities, on a noisy
// background, so that it compresses about as well as a real MRI (~4:1). Both contenders run N times on the
// same (page-cached) file after one warm-up each; the ratio of medians is what the target refers to.
using System.Diagnostics;
using System.Globalization;
using ClinicaDl.Formats.Nifti;

const int Repetitions = 5;
int[] shape = [169, 208, 179];

string dir = Path.Combine(Path.GetTempPath(), $"niftibench-{Environment.ProcessId}");
Directory.CreateDirectory(dir);
string file = Path.Combine(dir, "brain.nii.gz");
try
{
    float[] data = BrainLike(shape, seed: 42);
    NiftiWriter.Write(file, shape, data, new Affine(new double[,]
    {
        { 1, 0, 0, -84 }, { 0, 1, 0, -120 }, { 0, 0, 1, -72 }, { 0, 0, 0, 1 },
    }));
    long raw = 352 + 4L * data.Length, compressed = new FileInfo(file).Length;
    Console.WriteLine(Inv($"file: {shape[0]}x{shape[1]}x{shape[2]} float32, {raw / 1e6:F1} MB raw, {compressed / 1e6:F1} MB gzip (ratio {(double)raw / compressed:F2})"));

    NiftiImage check = NiftiReader.Read(file);
    if (!check.Data.AsSpan().SequenceEqual(data)) throw new InvalidOperationException("read-back differs from what was written");

    Gunzip(file); // warm-up: page cache, process start paths
    var gzip = new List<double>();
    var ours = new List<double>();
    for (int i = 0; i < Repetitions; i++)
    {
        gzip.Add(Time(() => Gunzip(file)));
        ours.Add(Time(() => NiftiReader.Read(file)));
    }

    double gzipMs = Median(gzip), oursMs = Median(ours);
    Console.WriteLine(Inv($"gzip -dc FILE > /dev/null   median {gzipMs,8:F1} ms   runs {string.Join(" ", gzip.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}"));
    Console.WriteLine(Inv($"NiftiReader.Read(FILE)      median {oursMs,8:F1} ms   runs {string.Join(" ", ours.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)))}"));
    Console.WriteLine(Inv($"ratio read / gzip: {oursMs / gzipMs:F2} (target <= 1.2)"));
}
finally
{
    Directory.Delete(dir, recursive: true);
}

static double Time(Action action)
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    var sw = Stopwatch.StartNew();
    action();
    return sw.Elapsed.TotalMilliseconds;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static void Gunzip(string file)
{
    var psi = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
    psi.ArgumentList.Add("-c");
    psi.ArgumentList.Add("gzip -dc \"$1\" > /dev/null");
    psi.ArgumentList.Add("sh");
    psi.ArgumentList.Add(file);
    using var p = Process.Start(psi)!;
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"gzip -dc exited with {p.ExitCode}");
}

// An ellipsoid of smooth Gaussian blobs (tissue-like intensities 100..1000) with noise of a few
// percent, low noise in the background, rounded to whole numbers: about 4:1 under gzip, like a
// real T1 image (pure noise would be ~1.1:1, a clean phantom ~10:1).
static float[] BrainLike(int[] shape, int seed)
{
    int nx = shape[0], ny = shape[1], nz = shape[2];
    var rng = new Random(seed);
    var blobs = Enumerable.Range(0, 12).Select(_ => (
        X: nx * (0.25 + 0.5 * rng.NextDouble()), Y: ny * (0.25 + 0.5 * rng.NextDouble()), Z: nz * (0.25 + 0.5 * rng.NextDouble()),
        Inv2S2: 1 / (2 * Math.Pow(8 + 20 * rng.NextDouble(), 2)), Amp: 100 + 300 * rng.NextDouble())).ToArray();
    var data = new float[nx * ny * nz];
    double cx = nx / 2.0, cy = ny / 2.0, cz = nz / 2.0, rx = nx * 0.42, ry = ny * 0.45, rz = nz * 0.42;
    for (int k = 0; k < nz; k++)
        for (int j = 0; j < ny; j++)
            for (int i = 0; i < nx; i++)
            {
                double ex = (i - cx) / rx, ey = (j - cy) / ry, ez = (k - cz) / rz;
                double r2 = ex * ex + ey * ey + ez * ez;
                if (r2 > 1)
                {
                    // Scanner background: low, non-zero noise (Rician-like magnitude), as in real T1 images.
                    double g = rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5;
                    data[i + nx * (j + ny * k)] = (float)Math.Round(Math.Abs(10 * g));
                    continue;
                }
                double v = 300 + 200 * Math.Cos(6 * Math.Sqrt(r2)); // grey/white-like shells
                foreach (var b in blobs)
                {
                    double dx = i - b.X, dy = j - b.Y, dz = k - b.Z;
                    double d2 = dx * dx + dy * dy + dz * dz;
                    if (d2 * b.Inv2S2 < 12) v += b.Amp * Math.Exp(-d2 * b.Inv2S2);
                }
                v += 30 * (rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 1.5);
                data[i + nx * (j + ny * k)] = (float)Math.Round(Math.Clamp(v, 0, 1000));
            }
    return data;
}

static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
