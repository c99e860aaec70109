using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;
using Org.BouncyCastle.Utilities;

namespace DiscreteExec.Adapters.Evm.Crypto;

/// <summary>
/// secp256k1 ECDSA as Ethereum uses it: deterministic nonces (RFC 6979, HMAC-SHA256), low-s normalised signatures
/// (EIP-2), the recovery id, and public-key recovery (SEC 1 §4.1.6). BouncyCastle supplies the curve arithmetic.
/// </summary>
public static class Secp256k1
{
    private static readonly X9ECParameters Curve = CustomNamedCurves.GetByName("secp256k1");
    private static readonly ECPoint G = Curve.G;
    private static readonly BigInteger N = Curve.N;
    private static readonly BigInteger HalfN = N.ShiftRight(1);
    private static readonly BigInteger P = Curve.Curve.Field.Characteristic;
    private static readonly FixedPointCombMultiplier Multiplier = new();

    /// <summary>The curve order n.</summary>
    internal static BigInteger Order => N;

    /// <summary>Signs a 32-byte hash (no further hashing) with a 32-byte private key.</summary>
    public static EcdsaSignature Sign(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> privateKey) => Sign(hash32, ToScalar(privateKey));

    internal static EcdsaSignature Sign(ReadOnlySpan<byte> hash32, BigInteger d)
    {
        if (hash32.Length != 32)
        {
            throw new ArgumentException("ECDSA signs a 32-byte hash.", nameof(hash32));
        }

        var message = hash32.ToArray();
        var e = new BigInteger(1, message);
        var kCalculator = new HMacDsaKCalculator(new Sha256Digest());
        kCalculator.Init(N, d, message);
        while (true)
        {
            var k = kCalculator.NextK();
            var point = Multiplier.Multiply(G, k).Normalize();
            var x = point.AffineXCoord.ToBigInteger();
            var r = x.Mod(N);
            if (r.SignValue == 0)
            {
                continue;
            }

            // Constant-time inverse (k is secret), and several times faster than BigInteger.ModInverse.
            var s = BigIntegers.ModOddInverse(N, k).Multiply(e.Add(d.Multiply(r))).Mod(N);
            if (s.SignValue == 0)
            {
                continue;
            }

            var recoveryId = (byte)((point.AffineYCoord.TestBitZero() ? 1 : 0) | (x.CompareTo(N) >= 0 ? 2 : 0));
            if (s.CompareTo(HalfN) > 0)
            {
                // Low-s (EIP-2): -s signs the same hash with R mirrored, so the y parity flips.
                s = N.Subtract(s);
                recoveryId ^= 1;
            }

            return new EcdsaSignature(ToBytes32(r), ToBytes32(s), recoveryId);
        }
    }

    /// <summary>
    /// The low-s form (EIP-2) of a signature: a high s becomes n - s with the other y parity. Both recover the same key,
    /// but ecrecover users such as OpenZeppelin's ECDSA refuse the high one.
    /// </summary>
    public static EcdsaSignature NormalizeLowS(EcdsaSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var s = new BigInteger(1, signature.S);
        return s.CompareTo(HalfN) > 0
            ? signature with { S = ToBytes32(N.Subtract(s)), RecoveryId = (byte)(signature.RecoveryId ^ 1) }
            : signature;
    }

    /// <summary>Whether s is at most n/2 (EIP-2), the only form OpenZeppelin's ECDSA and the escrows accept.</summary>
    public static bool IsLowS(EcdsaSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return new BigInteger(1, signature.S).CompareTo(HalfN) <= 0;
    }

    /// <summary>The 64-byte uncompressed public key (x ‖ y) of a private key.</summary>
    public static byte[] PublicKey(ReadOnlySpan<byte> privateKey) => PublicKey(ToScalar(privateKey));

    internal static byte[] PublicKey(BigInteger d) => Multiplier.Multiply(G, d).Normalize().GetEncoded(false)[1..];

    /// <summary>Recovers the 64-byte public key that produced <paramref name="signature"/> over <paramref name="hash32"/>.</summary>
    public static byte[] Recover(ReadOnlySpan<byte> hash32, EcdsaSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (hash32.Length != 32)
        {
            throw new ArgumentException("ECDSA signs a 32-byte hash.", nameof(hash32));
        }

        var r = new BigInteger(1, signature.R);
        var s = new BigInteger(1, signature.S);
        if (r.SignValue == 0 || r.CompareTo(N) >= 0 || s.SignValue == 0 || s.CompareTo(N) >= 0 || signature.RecoveryId > 3)
        {
            throw new ArgumentException("The signature's r, s or recovery id is out of range.", nameof(signature));
        }

        var x = r.Add(N.Multiply(BigInteger.ValueOf(signature.RecoveryId >> 1)));
        if (x.CompareTo(P) >= 0)
        {
            throw new ArgumentException("The recovery id names an x beyond the field.", nameof(signature));
        }

        var compressed = new byte[33];
        compressed[0] = (byte)(0x02 | (signature.RecoveryId & 1));
        x.ToByteArrayUnsigned().CopyTo(compressed, 33 - x.ToByteArrayUnsigned().Length);
        var rPoint = Curve.Curve.DecodePoint(compressed);

        var e = new BigInteger(1, hash32.ToArray());
        var rInverse = BigIntegers.ModOddInverseVar(N, r);
        var u1 = N.Subtract(e).Multiply(rInverse).Mod(N);
        var u2 = s.Multiply(rInverse).Mod(N);
        var q = ECAlgorithms.SumOfTwoMultiplies(G, u1, rPoint, u2).Normalize();
        if (q.IsInfinity)
        {
            throw new ArgumentException("The signature recovers to the point at infinity.", nameof(signature));
        }

        return q.GetEncoded(false)[1..];
    }

    internal static BigInteger ToScalar(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != 32)
        {
            throw new ArgumentException("A secp256k1 private key has 32 bytes.", nameof(privateKey));
        }

        var d = new BigInteger(1, privateKey.ToArray());
        if (d.SignValue == 0 || d.CompareTo(N) >= 0)
        {
            throw new ArgumentException("The private key is not in [1, n-1].", nameof(privateKey));
        }

        return d;
    }

    private static byte[] ToBytes32(BigInteger value)
    {
        var bytes = value.ToByteArrayUnsigned();
        if (bytes.Length == 32)
        {
            return bytes;
        }

        var padded = new byte[32];
        bytes.CopyTo(padded, 32 - bytes.Length);
        return padded;
    }
}
