using System.Text.Json;
using ClinicaDl.Formats.Nifti;
using ClinicaDl.Tests.Support;

namespace ClinicaDl.Tests.Formats.Nifti;

/// <summary>What we write, nibabel reads the same; what nibabel writes, we read the same (Debian python3-nibabel).</summary>
public sealed class NiftiInteropTests
{
    private static readonly int[] Shape = [7, 5, 3];

    private static float[] ValuesFor(NiftiDataType type) => Enumerable.Range(0, 105)
        .Select(i => type switch
        {
            NiftiDataType.Float32 => MathF.Sin(i) * 1000.123f,
            NiftiDataType.Float64 => i * 0.1f - 3,
            NiftiDataType.Int8 => i - 60f,
            NiftiDataType.Int16 => i * 300f - 16000f,
            NiftiDataType.Int32 => i * 20_000_001f - 1e9f,
            NiftiDataType.UInt16 => i * 600f,
            _ => (float)(i * 2),
        }).ToArray();

    private const string LoadScript = """
        import json, sys
        import nibabel as nib, numpy as np
        folder = sys.argv[1]
        for name in sys.argv[2:]:
            path = folder + '/' + name
            img = nib.load(path)
            hdr = img.header
            raw = np.asanyarray(img.dataobj)
            raw.ravel(order='F').astype('<f4').tofile(path + '.f4')
            print(json.dumps({
                'name': name,
                'dtype': str(img.get_data_dtype()),
                'shape': list(img.shape),
                'affine': img.affine.tolist(),
                'qform': hdr.get_qform().tolist(),
                'sform_code': int(hdr['sform_code']),
                'qform_code': int(hdr['qform_code']),
                'zooms': [float(z) for z in hdr.get_zooms()],
                'scaled': [None if v is None else float(v) for v in hdr.get_slope_inter()],
                'fdata_sum': float(img.get_fdata().sum()),
            }))
        """;

    private const string SaveScript = """
        import json, sys
        import nibabel as nib, numpy as np
        folder = sys.argv[1]
        c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
        oblique = np.array([[1.5 * c, -2 * s, 0, 90.25], [1.5 * s, 2 * c, 0, -126.5], [0, 0, 2.5, -72], [0, 0, 0, 1]])
        flip_z = oblique @ np.diag([1, 1, -1, 1])
        ramp = np.arange(105, dtype=np.float64).reshape((7, 5, 3), order='F')
        cases = []

        def save(name, img):
            path = folder + '/' + name
            nib.save(img, path)
            back = nib.load(path)
            back.get_fdata().astype(np.float32).ravel(order='F').tofile(path + '.ref')
            with open(path, 'rb') as f:
                head = f.read(2)
            if head == b'\x1f\x8b':
                import gzip
                with gzip.open(path, 'rb') as f:
                    head = f.read(4)
            slope, inter = back.dataobj.slope, back.dataobj.inter
            cases.append({
                'name': name,
                'affine': back.affine.tolist(),
                'shape': list(back.shape),
                'big_endian': back.header.endianness == '>',
                'slope': float(slope), 'inter': float(inter),
                'dtype': str(back.get_data_dtype()),
            })

        img = nib.Nifti1Image(ramp * 667.6 + 1000.3, oblique)
        img.set_data_dtype(np.int16)
        save('int16_scaled.nii.gz', img)

        img = nib.Nifti1Image(ramp * 38.1 - 1000.5, oblique)
        img.set_data_dtype(np.uint8)
        save('uint8_scaled.nii', img)

        img = nib.Nifti1Image((np.sin(ramp) * 1000).astype('>f4'), oblique, header=nib.Nifti1Header(endianness='>'))
        save('big_f4.nii', img)

        img = nib.Nifti1Image(ramp * 97.3 - 5000.1, oblique, header=nib.Nifti1Header(endianness='>'))
        img.set_data_dtype('>i2')
        save('big_i2_scaled.nii.gz', img)

        save('f8.nii.gz', nib.Nifti1Image(np.cos(ramp) * 1e5 + ramp * 1e-9, oblique))
        save('f4_4d.nii', nib.Nifti1Image((ramp * 0.25).astype(np.float32)[..., None], oblique))
        save('u8.nii', nib.Nifti1Image((ramp * 2).astype(np.uint8), np.diag([2.0, 3.0, 4.0, 1.0])))
        save('i8.nii.gz', nib.Nifti1Image((ramp - 60).astype(np.int8), oblique))
        save('u2.nii', nib.Nifti1Image((ramp * 600).astype(np.uint16), oblique))
        save('i4.nii.gz', nib.Nifti1Image((ramp * 20000001 - 1e9).astype(np.int32), oblique))

        img = nib.Nifti1Image(ramp.astype(np.float32), None)
        img.set_qform(flip_z, code=1)
        img.set_sform(None, code=0)
        save('qform_only_qfac_neg.nii', img)

        print(json.dumps(cases))
        """;

    private static float[] ReadFloats(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var values = new float[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }

    private static Affine ToAffine(JsonElement rows)
    {
        var m = new double[4, 4];
        int r = 0;
        foreach (JsonElement row in rows.EnumerateArray())
        {
            int c = 0;
            foreach (JsonElement v in row.EnumerateArray()) m[r, c++] = v.GetDouble();
            r++;
        }
        return new Affine(m);
    }

    private static string NumpyName(NiftiDataType type) => type switch
    {
        NiftiDataType.UInt8 => "uint8",
        NiftiDataType.Int8 => "int8",
        NiftiDataType.Int16 => "int16",
        NiftiDataType.UInt16 => "uint16",
        NiftiDataType.Int32 => "int32",
        NiftiDataType.Float32 => "float32",
        NiftiDataType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    [PythonFact("nibabel", "numpy")]
    public void Write_ThenNibabelLoad_GivesSameValuesDtypeAndAffine()
    {
        using var dir = new TempDir();
        var written = new Dictionary<string, (NiftiDataType Type, float[] Values)>();
        foreach (NiftiDataType type in Enum.GetValues<NiftiDataType>())
            foreach (string ext in new[] { ".nii", ".nii.gz" })
            {
                string name = NumpyName(type) + ext;
                float[] values = ValuesFor(type);
                NiftiWriter.Write(dir.Combine(name), Shape, values, NiftiWriterTests.Oblique(), type);
                written[name] = (type, values);
            }
        Affine stored = NiftiReader.ReadHeader(dir.Combine("float32.nii")).Affine; // the float32-rounded affine

        string output = Python.Run(LoadScript, [dir.Path, .. written.Keys]);

        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(written.Count, lines.Length);
        foreach (string line in lines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            JsonElement r = doc.RootElement;
            string name = r.GetProperty("name").GetString()!;
            var (type, values) = written[name];
            Assert.Equal(NumpyName(type), r.GetProperty("dtype").GetString());
            Assert.Equal(Shape, r.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()));
            Assert.Equal(1, r.GetProperty("sform_code").GetInt32());
            Assert.Equal(1, r.GetProperty("qform_code").GetInt32());
            Affine affine = ToAffine(r.GetProperty("affine"));
            Assert.True(stored.Equals(affine), $"{name}: nibabel affine {affine}, ours {stored}");
            Affine qform = ToAffine(r.GetProperty("qform"));
            Assert.True(stored.ApproximatelyEquals(qform, 1e-5), $"{name}: nibabel qform {qform}, ours {stored}");
            Assert.Equal([1.5, 2.0, 2.5], r.GetProperty("zooms").EnumerateArray().Select(e => Math.Round(e.GetDouble(), 6)));
            float[] seen = ReadFloats(dir.Combine(name + ".f4"));
            Assert.Equal(values.Select(BitConverter.SingleToInt32Bits), seen.Select(BitConverter.SingleToInt32Bits));
        }
    }

    [PythonFact("nibabel", "numpy")]
    public void Read_FilesNibabelWrote_GiveSameValuesAndAffine()
    {
        using var dir = new TempDir();

        string output = Python.Run(SaveScript, dir.Path);

        using JsonDocument doc = JsonDocument.Parse(output);
        var names = new List<string>();
        foreach (JsonElement c in doc.RootElement.EnumerateArray())
        {
            string name = c.GetProperty("name").GetString()!;
            names.Add(name);
            string path = dir.Combine(name);

            NiftiImage image = NiftiReader.Read(path);

            float[] expected = ReadFloats(path + ".ref");
            Assert.True(expected.Length == image.Data.Length, $"{name}: {image.Data.Length} values, nibabel {expected.Length}");
            for (int i = 0; i < expected.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(image.Data[i]),
                    $"{name}[{i}]: ours {image.Data[i]:R}, nibabel get_fdata {expected[i]:R}");
            Affine nibabel = ToAffine(c.GetProperty("affine"));
            Assert.True(nibabel.ApproximatelyEquals(image.Affine, 1e-9), $"{name}: ours {image.Affine}, nibabel {nibabel}");
            Assert.Equal(c.GetProperty("big_endian").GetBoolean(), image.Header.IsBigEndian);
            Assert.Equal([7, 5, 3], image.Shape);
        }

        Assert.Equal(11, names.Count);
        // The cases cover what they claim: scaling with an intercept, big-endian, a negative qfac.
        JsonElement int16 = doc.RootElement.EnumerateArray().Single(c => c.GetProperty("name").GetString() == "int16_scaled.nii.gz");
        Assert.NotEqual(1.0, int16.GetProperty("slope").GetDouble());
        Assert.NotEqual(0.0, int16.GetProperty("inter").GetDouble());
        Assert.True(NiftiReader.ReadHeader(dir.Combine("big_i2_scaled.nii.gz")).IsBigEndian);
        Assert.Equal(4, NiftiReader.ReadHeader(dir.Combine("f4_4d.nii")).Rank);
        NiftiHeader q = NiftiReader.ReadHeader(dir.Combine("qform_only_qfac_neg.nii"));
        Assert.Equal((0, 1), (q.SformCode, q.QformCode));
        Assert.Equal(-1f, q.Pixdim[0]);
    }
}
