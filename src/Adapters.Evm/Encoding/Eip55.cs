using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Adapters.Evm.Encoding;

/// <summary>EIP-55 mixed-case checksum: a hex letter is upper case when the matching nibble of keccak256(lower-hex) is >= 8.</summary>
internal static class Eip55
{
    /// <summary>The 40 checksummed hex digits of a 20-byte address (without 0x).</summary>
    public static string Checksum(ReadOnlySpan<byte> address)
    {
        if (address.Length != 20)
        {
            throw new ArgumentException("An EVM address has 20 bytes.", nameof(address));
        }

        var lower = Convert.ToHexStringLower(address);
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(lower), hash);
        return string.Create(40, (lower, hash.ToArray()), static (chars, state) =>
        {
            for (var i = 0; i < 40; i++)
            {
                var c = state.lower[i];
                var nibble = (i % 2 == 0) ? state.Item2[i / 2] >> 4 : state.Item2[i / 2] & 0x0f;
                chars[i] = c is >= 'a' and <= 'f' && nibble >= 8 ? char.ToUpperInvariant(c) : c;
            }
        });
    }
}
