namespace ClinicaDl.Formats.Nifti;

/// <summary>The qform quaternion maths of NIfTI-1, in both directions.</summary>
/// <remarks>
/// Quaternion → matrix follows nibabel (<c>quat2mat</c>, <c>get_qform</c>) so that affines agree with
/// what users see in Python, with <c>nifti1_io.c</c>'s rule for a (see <see cref="QformToAffine"/>);
/// matrix → quaternion follows <c>nifti1_io.c</c> <c>mat44_to_quatern</c>.
/// </remarks>
internal static class NiftiTransforms
{
    /// <summary>Tolerance on RᵀR − I for an affine to count as rotation + zoom (float32 headers hold ~7 digits).</summary>
    private const double OrthonormalTolerance = 1e-5;

    /// <summary>The qform affine: R(b, c, d) · diag(pixdim[1], pixdim[2], qfac · pixdim[3]) plus the qoffsets.</summary>
    /// <remarks>
    /// a = √(1 − b² − c² − d²), except that when 1 − b² − c² − d² &lt; 1e-7 (a 180° rotation, whose
    /// float32 b, c, d rarely have a norm of exactly 1) a = 0 and (b, c, d) is normalised, as
    /// <c>nifti1_io.c</c> (FSL, AFNI, ITK) does. nibabel takes the square root of the small remainder
    /// instead (a up to ~3e-4) and raises when it is below −3 float32 epsilons, so for near-180°
    /// qforms the two differ by up to ~1e-3 in the rotation. Negative voxel sizes count as their
    /// absolute value (nibabel fixes them so on load).
    /// </remarks>
    public static Affine QformToAffine(double b, double c, double d, double qfac,
        double dx, double dy, double dz, double ox, double oy, double oz)
    {
        double w2 = 1.0 - (b * b + c * c + d * d);
        double a;
        if (w2 < 1e-7)
        {
            double n = Math.Sqrt(b * b + c * c + d * d);
            b /= n; c /= n; d /= n;
            a = 0;
        }
        else
        {
            a = Math.Sqrt(w2);
        }

        // nibabel quat2mat
        double nq = a * a + b * b + c * c + d * d;
        double r00 = 1, r01 = 0, r02 = 0, r10 = 0, r11 = 1, r12 = 0, r20 = 0, r21 = 0, r22 = 1;
        if (nq >= 2.220446049250313e-16)
        {
            double s = 2.0 / nq;
            double x = b * s, y = c * s, z = d * s;
            double wx = a * x, wy = a * y, wz = a * z;
            double xx = b * x, xy = b * y, xz = b * z;
            double yy = c * y, yz = c * z, zz = d * z;
            r00 = 1.0 - (yy + zz); r01 = xy - wz; r02 = xz + wy;
            r10 = xy + wz; r11 = 1.0 - (xx + zz); r12 = yz - wx;
            r20 = xz - wy; r21 = yz + wx; r22 = 1.0 - (xx + yy);
        }

        double sx = Math.Abs(dx), sy = Math.Abs(dy), sz = Math.Abs(dz) * qfac;
        return Affine.FromRows(
            [r00 * sx, r01 * sy, r02 * sz, ox],
            [r10 * sx, r11 * sy, r12 * sz, oy],
            [r20 * sx, r21 * sy, r22 * sz, oz]);
    }

    /// <summary>Rounds a quaternion's (b, c, d) to float32 for the header, keeping a 180° rotation a 180° rotation for every reader.</summary>
    /// <remarks>
    /// When a ≈ 0, float32 rounding usually leaves b² + c² + d² just below 1, and readers that take
    /// a = √(1 − b² − c² − d²) literally (nibabel) then see a rotation off by up to ~1e-3. Nudging the
    /// largest component outwards by an ulp or two makes the sum reach 1 (within nibabel's tolerance
    /// of 3 float32 epsilons), so nibabel and <c>nifti1_io.c</c> both decode a = 0.
    /// </remarks>
    public static (float B, float C, float D) ToHeaderQuaternion(double b, double c, double d)
    {
        float fb = (float)b, fc = (float)c, fd = (float)d;
        if (1.0 - (b * b + c * c + d * d) >= 1e-7) return (fb, fc, fd);
        for (int step = 0; step < 16 && 1.0 - ((double)fb * fb + (double)fc * fc + (double)fd * fd) > 0; step++)
        {
            float ab = MathF.Abs(fb), ac = MathF.Abs(fc), ad = MathF.Abs(fd);
            if (ab >= ac && ab >= ad) fb = MathF.CopySign(MathF.BitIncrement(ab), fb);
            else if (ac >= ad) fc = MathF.CopySign(MathF.BitIncrement(ac), fc);
            else fd = MathF.CopySign(MathF.BitIncrement(ad), fd);
        }
        return (fb, fc, fd);
    }

    /// <summary>Splits an affine into voxel sizes (column norms), qfac and, when it is rotation + zoom, a quaternion.</summary>
    /// <returns>
    /// The zooms and qfac always (qfac = −1 when the 3×3 part has a negative determinant); <c>quaternion</c>
    /// is null when a zoom is 0 or the normalised columns are not orthonormal within 1e-5 (a shear),
    /// in which case the affine can only be stored as an sform.
    /// </returns>
    public static (double Dx, double Dy, double Dz, double Qfac, (double B, double C, double D)? Quaternion) Decompose(Affine affine)
    {
        double dx = affine.ColumnNorm(0), dy = affine.ColumnNorm(1), dz = affine.ColumnNorm(2);
        if (dx == 0 || dy == 0 || dz == 0)
            return (dx, dy, dz, 1, null);

        var r = new double[3, 3];
        for (int i = 0; i < 3; i++)
        {
            r[i, 0] = affine[i, 0] / dx;
            r[i, 1] = affine[i, 1] / dy;
            r[i, 2] = affine[i, 2] / dz;
        }
        double det = r[0, 0] * (r[1, 1] * r[2, 2] - r[1, 2] * r[2, 1])
                   - r[0, 1] * (r[1, 0] * r[2, 2] - r[1, 2] * r[2, 0])
                   + r[0, 2] * (r[1, 0] * r[2, 1] - r[1, 1] * r[2, 0]);
        double qfac = 1;
        if (det < 0)
        {
            qfac = -1;
            for (int i = 0; i < 3; i++) r[i, 2] = -r[i, 2];
        }

        for (int p = 0; p < 3; p++)
            for (int q = 0; q < 3; q++)
            {
                double dot = r[0, p] * r[0, q] + r[1, p] * r[1, q] + r[2, p] * r[2, q];
                if (Math.Abs(dot - (p == q ? 1 : 0)) > OrthonormalTolerance)
                    return (dx, dy, dz, qfac, null);
            }

        // nifti1_io.c mat44_to_quatern
        double a = r[0, 0] + r[1, 1] + r[2, 2] + 1.0, b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (r[2, 1] - r[1, 2]) / a;
            c = 0.25 * (r[0, 2] - r[2, 0]) / a;
            d = 0.25 * (r[1, 0] - r[0, 1]) / a;
        }
        else
        {
            double xd = 1.0 + r[0, 0] - (r[1, 1] + r[2, 2]);
            double yd = 1.0 + r[1, 1] - (r[0, 0] + r[2, 2]);
            double zd = 1.0 + r[2, 2] - (r[0, 0] + r[1, 1]);
            if (xd > 1.0)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (r[0, 1] + r[1, 0]) / b;
                d = 0.25 * (r[0, 2] + r[2, 0]) / b;
                a = 0.25 * (r[2, 1] - r[1, 2]) / b;
            }
            else if (yd > 1.0)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (r[0, 1] + r[1, 0]) / c;
                d = 0.25 * (r[1, 2] + r[2, 1]) / c;
                a = 0.25 * (r[0, 2] - r[2, 0]) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (r[0, 2] + r[2, 0]) / d;
                c = 0.25 * (r[1, 2] + r[2, 1]) / d;
                a = 0.25 * (r[1, 0] - r[0, 1]) / d;
            }
            if (a < 0) { b = -b; c = -c; d = -d; }
        }
        return (dx, dy, dz, qfac, (b, c, d));
    }
}
