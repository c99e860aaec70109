using System.Numerics;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>
/// A signed pool balance that fills move one at a time: on <see cref="Int128"/> while it fits, on
/// <see cref="BigInteger"/> from the first step that would not (exact either way, without allocating on the fast path).
/// </summary>
internal struct SignedBalance
{
    private Int128 _narrow;
    private BigInteger? _wide;

    public SignedBalance(BigInteger value)
    {
        if (value >= Int128.MinValue && value <= Int128.MaxValue)
        {
            _narrow = (Int128)value;
        }
        else
        {
            _wide = value;
        }
    }

    public readonly int Sign => _wide?.Sign ?? Int128.Sign(_narrow);

    public void Add(UInt256 amount)
    {
        if (_wide is null && TryNarrow(amount, out var delta) && _narrow + delta >= _narrow)
        {
            _narrow += delta;
            return;
        }

        _wide = (_wide ?? _narrow) + amount.ToBigInteger();
    }

    public void Subtract(UInt256 amount)
    {
        if (_wide is null && TryNarrow(amount, out var delta) && _narrow - delta <= _narrow)
        {
            _narrow -= delta;
            return;
        }

        _wide = (_wide ?? _narrow) - amount.ToBigInteger();
    }

    private static bool TryNarrow(UInt256 amount, out Int128 value)
    {
        var fits = amount.FitsUInt128 && amount.AsUInt128 <= (UInt128)Int128.MaxValue;
        value = fits ? (Int128)amount.AsUInt128 : Int128.Zero;
        return fits;
    }
}
