using System.Globalization;

namespace DiscreteExec.Core;

/// <summary>A chain id: an EVM chain's EIP-155 id, or the id a Solana cluster is given in configuration.</summary>
[System.Text.Json.Serialization.JsonConverter(typeof(DiscreteExec.Core.Json.ChainIdJsonConverter))]
public readonly record struct ChainId(ulong Value) : IComparable<ChainId>
{
    public int CompareTo(ChainId other) => Value.CompareTo(other.Value);

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture);

    public static bool operator <(ChainId left, ChainId right) => left.Value < right.Value;

    public static bool operator >(ChainId left, ChainId right) => left.Value > right.Value;

    public static bool operator <=(ChainId left, ChainId right) => left.Value <= right.Value;

    public static bool operator >=(ChainId left, ChainId right) => left.Value >= right.Value;
}
