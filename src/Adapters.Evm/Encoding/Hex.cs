using System.Globalization;
using System.Numerics;

namespace DiscreteExec.Adapters.Evm.Encoding;

/// <summary>0x-prefixed hex as JSON-RPC speaks it: data (even length, any case) and quantities (no leading zeros).</summary>
public static class Hex
{
    /// <summary>Lower-case 0x-prefixed hex of <paramref name="bytes"/>.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => string.Concat("0x", Convert.ToHexStringLower(bytes));

    /// <summary>Decodes 0x-prefixed (or bare) hex data; an odd length or a bad digit throws <see cref="FormatException"/>.</summary>
    public static byte[] Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.AsSpan();
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            digits = digits[2..];
        }

        if (digits.Length % 2 != 0)
        {
            throw new FormatException($"Hex data '{Abbreviate(hex)}' has an odd number of digits.");
        }

        return Convert.FromHexString(digits);
    }

    /// <summary>A JSON-RPC quantity: 0x followed by the value without leading zeros ("0x0" for zero).</summary>
    public static string EncodeQuantity(ulong value) => string.Concat("0x", value.ToString("x", CultureInfo.InvariantCulture));

    public static string EncodeQuantity(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A quantity is never negative.");
        }

        if (value.IsZero)
        {
            return "0x0";
        }

        var hex = value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0');
        return string.Concat("0x", hex);
    }

    public static ulong DecodeQuantity(string hex)
    {
        var digits = StripPrefix(hex);
        return ulong.Parse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    public static BigInteger DecodeBigQuantity(string hex)
    {
        var digits = StripPrefix(hex);
        return BigInteger.Parse(string.Concat("0", digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
    }

    private static string StripPrefix(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        if (!hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || hex.Length < 3)
        {
            throw new FormatException($"'{Abbreviate(hex)}' is not a 0x-prefixed quantity.");
        }

        return hex[2..];
    }

    private static string Abbreviate(string hex) => hex.Length <= 24 ? hex : string.Concat(hex.AsSpan(0, 24), "…");
}
