using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using ClinicaDl.Caps;
using ClinicaDl.Common;
using ClinicaDl.Data;
using ClinicaDl.Elements;
using ClinicaDl.Errors;
using ClinicaDl.Evaluation;
using ClinicaDl.Formats.Json;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Formats.PyTorch;
using ClinicaDl.Formats.Tsv;
using ClinicaDl.Networks;
using ClinicaDl.Options;
using ClinicaDl.Outputs;
using ClinicaDl.Runs;
using ClinicaDl.Training;

namespace ClinicaDl.Formats;

/// <summary>Writes numpy <c>.npy</c> files (format 1.0, little-endian float32 <c>&lt;f4</c>, C order), as <c>np.save</c> does.</summary>
public static class NpyWriter
{
    /// <summary>Writes <paramref name="data"/> (C order) with shape <paramref name="shape"/> to <paramref name="path"/>, atomically.</summary>
    /// <exception cref="ArgumentException">The data length differs from the product of the shape.</exception>
    public static void Write(string path, IReadOnlyList<int> shape, ReadOnlySpan<float> data)
    {
        long count = shape.Aggregate(1L, (a, s) => a * s);
        if (count != data.Length) throw new ArgumentException($"{data.Length} values for shape ({string.Join(", ", shape)}).", nameof(data));
        byte[] bytes = Encode(shape, data);
        AtomicFile.Write(path, file => file.Write(bytes));
    }

    /// <summary>The file's bytes: magic, version 1.0, the header dict padded with spaces to a multiple of 64 bytes, then the values.</summary>
    public static byte[] Encode(IReadOnlyList<int> shape, ReadOnlySpan<float> data)
    {
        string dims = shape.Count == 1 ? $"{shape[0]}," : string.Join(", ", shape.Select(s => s.ToString(CultureInfo.InvariantCulture)));
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}";
        int unpadded = 10 + dict.Length + 1;
        string header = dict + new string(' ', (64 - unpadded % 64) % 64) + "\n";
        var result = new byte[10 + header.Length + data.Length * 4];
        result[0] = 0x93;
        "NUMPY"u8.CopyTo(result.AsSpan(1));
        result[6] = 1;
        result[7] = 0;
        BitConverter.TryWriteBytes(result.AsSpan(8, 2), (ushort)header.Length);
        Encoding.ASCII.GetBytes(header, result.AsSpan(10));
        var values = MemoryMarshal.AsBytes(data);
        if (BitConverter.IsLittleEndian) values.CopyTo(result.AsSpan(10 + header.Length));
        else
            for (int i = 0; i < data.Length; i++)
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan(10 + header.Length + 4 * i), data[i]);
        return result;
    }
}
