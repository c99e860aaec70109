namespace DiscreteExec.Adapters.Evm.Crypto;

/// <summary>A secp256k1 signature: 32-byte r and s (big-endian) and the recovery id (y parity, 0 or 1 in practice).</summary>
public sealed record EcdsaSignature(byte[] R, byte[] S, byte RecoveryId)
{
    /// <summary>The 65-byte r ‖ s ‖ v form with v = 27 + recovery id, as ecrecover and OpenZeppelin's ECDSA take it.</summary>
    public byte[] ToRsv()
    {
        var bytes = new byte[65];
        R.CopyTo(bytes, 0);
        S.CopyTo(bytes, 32);
        bytes[64] = (byte)(27 + RecoveryId);
        return bytes;
    }

    /// <summary>Reads the 65-byte r ‖ s ‖ v form; v may be 0/1 or 27/28.</summary>
    public static EcdsaSignature FromRsv(ReadOnlySpan<byte> rsv)
    {
        if (rsv.Length != 65)
        {
            throw new ArgumentException($"Expected 65 bytes, got {rsv.Length}.", nameof(rsv));
        }

        var v = rsv[64];
        var recoveryId = v >= 27 ? (byte)(v - 27) : v;
        return new EcdsaSignature(rsv[..32].ToArray(), rsv[32..64].ToArray(), recoveryId);
    }
}
