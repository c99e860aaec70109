using System.Numerics;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Adapters.Evm.Escrow;

/// <summary>An escrow event other than IntentOpened, with where it was seen.</summary>
public abstract record EscrowEvent(ChainPosition Position);

/// <summary>IntentReleased or IntentRefunded (epoch 0 for refundExpired).</summary>
public sealed record IntentClosed(ChainPosition Position, Bytes32 IntentId, ulong EpochId, bool Released) : EscrowEvent(Position);

/// <summary>PayoutMade: a source intent from another chain was paid here.</summary>
public sealed record PayoutMade(ChainPosition Position, Bytes32 SourceIntentId, Bytes32 Recipient, EvmAddress Token, UInt256 Amount, ulong EpochId) : EscrowEvent(Position);

/// <summary>LegApplied: one (epoch, chunk) was applied; <see cref="LegHash"/> is the chunk hash.</summary>
public sealed record LegApplied(ChainPosition Position, ulong EpochId, uint Chunk, Bytes32 LegHash, Bytes32 BatchRoot, ulong ActionCount) : EscrowEvent(Position);

/// <summary>Decodes the escrow's settlement events with its ABI.</summary>
public static class EscrowEventDecoder
{
    private static readonly AbiEvent Released = IntentEscrowAbi.Abi.Event("IntentReleased");
    private static readonly AbiEvent Refunded = IntentEscrowAbi.Abi.Event("IntentRefunded");
    private static readonly AbiEvent Payout = IntentEscrowAbi.Abi.Event("PayoutMade");
    private static readonly AbiEvent Leg = IntentEscrowAbi.Abi.Event("LegApplied");

    /// <summary>Topic 0 of every event the watcher asks for besides IntentOpened.</summary>
    public static IReadOnlyList<Bytes32> Topics { get; } = [Released.Topic0, Refunded.Topic0, Payout.Topic0, Leg.Topic0];

    /// <summary>The event, or null for a topic the watcher does not follow. Malformed logs throw <see cref="AbiDecodingException"/>.</summary>
    public static EscrowEvent? TryDecode(EvmLog log, ChainPosition position)
    {
        ArgumentNullException.ThrowIfNull(log);
        if (log.Topics.Count == 0)
        {
            return null;
        }

        var topic0 = log.Topics[0];
        if (topic0 == Released.Topic0 || topic0 == Refunded.Topic0)
        {
            var released = topic0 == Released.Topic0;
            var values = (released ? Released : Refunded).Decode(log.Topics, log.Data);
            return new IntentClosed(position, new Bytes32((byte[])values[0]!), (ulong)(BigInteger)values[1]!, released);
        }

        if (topic0 == Payout.Topic0)
        {
            var values = Payout.Decode(log.Topics, log.Data);
            return new PayoutMade(position, new Bytes32((byte[])values[0]!), new Bytes32((byte[])values[1]!), (EvmAddress)values[2]!, UInt256.FromBigInteger((BigInteger)values[3]!), (ulong)(BigInteger)values[4]!);
        }

        if (topic0 == Leg.Topic0)
        {
            var values = Leg.Decode(log.Topics, log.Data);
            return new LegApplied(position, (ulong)(BigInteger)values[0]!, (uint)(BigInteger)values[1]!, new Bytes32((byte[])values[2]!), new Bytes32((byte[])values[3]!), (ulong)(BigInteger)values[4]!);
        }

        return null;
    }
}
