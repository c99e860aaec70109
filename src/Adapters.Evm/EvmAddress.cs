using System.Buffers.Binary;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Adapters.Evm;

/// <summary>A 20-byte EVM account or contract address; printed with the EIP-55 mixed-case checksum.</summary>
public readonly struct EvmAddress : IEquatable<EvmAddress>
{
    private static readonly System.Buffers.SearchValues<char> LowerHexLetters = System.Buffers.SearchValues.Create("abcdef");
    private static readonly System.Buffers.SearchValues<char> UpperHexLetters = System.Buffers.SearchValues.Create("ABCDEF");

    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly uint _w2;

    public EvmAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != 20)
        {
            throw new ArgumentException($"An EVM address has 20 bytes, got {bytes.Length}.", nameof(bytes));
        }

        _w0 = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _w1 = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _w2 = BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]);
    }

    public static EvmAddress Zero => default;

    public bool IsZero => (_w0 | _w1 | _w2) == 0;

    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _w0);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _w1);
        BinaryPrimitives.WriteUInt32BigEndian(destination[16..], _w2);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[20];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The address left-padded to 32 bytes, as docs/ARCHITECTURE.md carries accounts and tokens.</summary>
    public Bytes32 ToBytes32()
    {
        Span<byte> bytes = stackalloc byte[20];
        CopyTo(bytes);
        return Bytes32.FromEvmAddress(bytes);
    }

    public static EvmAddress FromBytes32(Bytes32 value) => new(value.ToEvmAddress());

    /// <summary>The address of an uncompressed secp256k1 public key (64 bytes x ‖ y, or 65 with the 0x04 prefix).</summary>
    public static EvmAddress FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length == 65 && publicKey[0] == 0x04)
        {
            publicKey = publicKey[1..];
        }

        if (publicKey.Length != 64)
        {
            throw new ArgumentException("Expected a 64-byte uncompressed public key.", nameof(publicKey));
        }

        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(publicKey, hash);
        return new EvmAddress(hash[12..]);
    }

    /// <summary>Parses 0x-prefixed hex; mixed case must be a valid EIP-55 checksum, all-lower or all-upper is accepted.</summary>
    public static EvmAddress Parse(string text)
    {
        if (!TryParse(text, out var address, out var error))
        {
            throw new FormatException(error);
        }

        return address;
    }

    public static bool TryParse(string? text, out EvmAddress address) => TryParse(text, out address, out _);

    private static bool TryParse(string? text, out EvmAddress address, out string error)
    {
        address = default;
        if (text is null || text.Length != 42 || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            error = $"'{text}' is not a 0x-prefixed 20-byte address.";
            return false;
        }

        Span<byte> bytes = stackalloc byte[20];
        if (Convert.FromHexString(text.AsSpan(2), bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != 20)
        {
            error = $"'{text}' is not a 0x-prefixed 20-byte address.";
            return false;
        }

        address = new EvmAddress(bytes);
        var digits = text.AsSpan(2);
        var mixed = digits.ContainsAny(LowerHexLetters) && digits.ContainsAny(UpperHexLetters);
        if (mixed && !string.Equals(Eip55.Checksum(bytes), text[2..], StringComparison.Ordinal))
        {
            error = $"'{text}' has an invalid EIP-55 checksum.";
            address = default;
            return false;
        }

        error = string.Empty;
        return true;
    }

    /// <summary>The EIP-55 checksummed form.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[20];
        CopyTo(bytes);
        return string.Concat("0x", Eip55.Checksum(bytes));
    }

    /// <summary>Lower-case hex, as JSON-RPC filters and parameters take it.</summary>
    public string ToLowerHex()
    {
        Span<byte> bytes = stackalloc byte[20];
        CopyTo(bytes);
        return Hex.Encode(bytes);
    }

    public bool Equals(EvmAddress other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2;

    public override bool Equals(object? obj) => obj is EvmAddress other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2);

    public static bool operator ==(EvmAddress left, EvmAddress right) => left.Equals(right);

    public static bool operator !=(EvmAddress left, EvmAddress right) => !left.Equals(right);
}
