using System.Numerics;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing.Arithmetic;

/// <summary>An exact running sum: 128-bit while it fits, spilling into a <see cref="BigInteger"/> only when it must.</summary>
internal struct ExactSum
{
    private UInt128 _fast;
    private BigInteger _spill;

    public readonly BigInteger Value => _spill + _fast;

    public void Add(UInt256 amount)
    {
        if (!amount.FitsUInt128)
        {
            _spill += amount.ToBigInteger();
            return;
        }

        var value = amount.AsUInt128;
        var sum = _fast + value;
        if (sum < _fast)
        {
            _spill += _fast;
            sum = value;
        }

        _fast = sum;
    }
}
