using System.Numerics;

namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>
/// The on-curve test program-derived addresses need: whether 32 bytes decompress to an Ed25519 point,
/// with the same rules as curve25519-dalek's <c>CompressedEdwardsY::decompress</c> (the sign bit is ignored,
/// y is taken mod p, small-order points count as on the curve).
/// </summary>
internal static class Ed25519Curve
{
    private static readonly BigInteger P = (BigInteger.One << 255) - 19;

    // d = -121665 / 121666 mod p
    private static readonly BigInteger D = Mod(-121665 * BigInteger.ModPow(121666, P - 2, P));

    private static readonly BigInteger EulerExponent = (P - 1) / 2;

    public static bool IsOnCurve(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length != 32)
        {
            throw new ArgumentException("A compressed Ed25519 point has 32 bytes.", nameof(compressed));
        }

        Span<byte> yBytes = stackalloc byte[32];
        compressed.CopyTo(yBytes);
        yBytes[31] &= 0x7f;
        var y = new BigInteger(yBytes, isUnsigned: true, isBigEndian: false) % P;
        var y2 = y * y % P;
        var u = Mod(y2 - 1);
        var v = (D * y2 + 1) % P;

        // x^2 = u / v has a solution iff u / v is zero or a quadratic residue; v is never 0, and u / v = (u * v) / v^2
        // is a residue exactly when u * v is, so one exponentiation (Euler's criterion) decides.
        var w = u * v % P;
        return w.IsZero || BigInteger.ModPow(w, EulerExponent, P).IsOne;
    }

    private static BigInteger Mod(BigInteger value)
    {
        var r = value % P;
        return r.Sign < 0 ? r + P : r;
    }
}
