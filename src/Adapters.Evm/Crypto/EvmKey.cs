using DiscreteExec.Adapters.Evm.Encoding;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace DiscreteExec.Adapters.Evm.Crypto;

/// <summary>A local secp256k1 private key and its address. The key never leaves the process.</summary>
public sealed class EvmKey
{
    private readonly BcBigInteger _d;

    public EvmKey(ReadOnlySpan<byte> privateKey)
    {
        _d = Secp256k1.ToScalar(privateKey);
        PublicKey = Secp256k1.PublicKey(_d);
        Address = EvmAddress.FromPublicKey(PublicKey);
    }

    /// <summary>The 64-byte uncompressed public key (x ‖ y).</summary>
    public byte[] PublicKey { get; }

    public EvmAddress Address { get; }

    /// <summary>Reads a 0x-prefixed 32-byte hex private key.</summary>
    public static EvmKey FromHex(string privateKeyHex) => new(Hex.Decode(privateKeyHex));

    /// <summary>Signs a 32-byte hash as it is (no prefix, no further hashing).</summary>
    public EcdsaSignature SignHash(ReadOnlySpan<byte> hash32) => Secp256k1.Sign(hash32, _d);

    public override string ToString() => Address.ToString();
}
