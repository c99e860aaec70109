namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>Base58 (Bitcoin alphabet), the text form of Solana keys, signatures and blockhashes.</summary>
public static class Base58
{
    public static string Encode(ReadOnlySpan<byte> bytes) => SimpleBase.Base58.Bitcoin.Encode(bytes);

    /// <exception cref="FormatException">The text is not base58.</exception>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return SimpleBase.Base58.Bitcoin.Decode(text);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException($"'{text}' is not base58.", ex);
        }
    }

    /// <summary>Parses a 32-byte key (public key, program id, blockhash) from base58.</summary>
    /// <exception cref="FormatException">Not base58, or not 32 bytes.</exception>
    public static Bytes32 DecodeKey(string text)
    {
        var bytes = Decode(text);
        return bytes.Length == 32
            ? new Bytes32(bytes)
            : throw new FormatException($"'{text}' decodes to {bytes.Length} bytes, a Solana key has 32.");
    }

    public static bool TryDecodeKey(string? text, out Bytes32 key)
    {
        key = default;
        if (string.IsNullOrEmpty(text) || text.Length > 44)
        {
            return false;
        }

        try
        {
            key = DecodeKey(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string EncodeKey(Bytes32 key)
    {
        Span<byte> bytes = stackalloc byte[32];
        key.CopyTo(bytes);
        return Encode(bytes);
    }
}
