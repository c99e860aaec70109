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

/// <summary>
/// ClaimCreated: a Refund, Payout, Withdraw or refundExpired could not be delivered; <see cref="Owner"/> collects
/// <see cref="Amount"/> with <c>claim</c>. <see cref="Kind"/> 1 Refund, 2 Payout, 3 Withdraw; <see cref="Reference"/>
/// the intent id (Refund, Payout) or the Withdraw's leaf hash.
/// </summary>
public sealed record ClaimCreated(ChainPosition Position, EvmAddress Token, EvmAddress Owner, UInt256 Amount, byte Kind, Bytes32 Reference) : EscrowEvent(Position);

/// <summary>Claimed: <see cref="Owner"/> collected its claim to <see cref="To"/>.</summary>
public sealed record ClaimCollected(ChainPosition Position, EvmAddress Token, EvmAddress Owner, EvmAddress To, UInt256 Amount) : EscrowEvent(Position);

/// <summary>SelfTransferSkipped: a Payout or Withdraw addressed to the escrow itself was marked applied; nothing moved.</summary>
public sealed record SelfTransferSkipped(ChainPosition Position, byte Kind, Bytes32 Reference, EvmAddress Token, UInt256 Amount) : EscrowEvent(Position);

/// <summary>SignerSetProposed: a threshold of the current set signed <see cref="Version"/>, current from <see cref="ActivatesAt"/>.</summary>
internal sealed record SignerSetProposed(ChainPosition Position, ulong Version, IReadOnlyList<EvmAddress> Signers, byte Threshold, ulong ActivatesAt) : EscrowEvent(Position);

/// <summary>SignerSetActivated: <see cref="Version"/> is now the set every leg signature must name.</summary>
internal sealed record SignerSetActivated(ChainPosition Position, ulong Version, IReadOnlyList<EvmAddress> Signers, byte Threshold) : EscrowEvent(Position);

/// <summary>Decodes the escrow's settlement, claim and signer-set events with its ABI.</summary>
public static class EscrowEventDecoder
{
    private static readonly AbiEvent Released = IntentEscrowAbi.Abi.Event("IntentReleased");
    private static readonly AbiEvent Refunded = IntentEscrowAbi.Abi.Event("IntentRefunded");
    private static readonly AbiEvent Payout = IntentEscrowAbi.Abi.Event("PayoutMade");
    private static readonly AbiEvent Leg = IntentEscrowAbi.Abi.Event("LegApplied");
    private static readonly AbiEvent ClaimCreatedEvent = IntentEscrowAbi.Abi.Event("ClaimCreated");
    private static readonly AbiEvent ClaimedEvent = IntentEscrowAbi.Abi.Event("Claimed");
    private static readonly AbiEvent SelfSkipped = IntentEscrowAbi.Abi.Event("SelfTransferSkipped");
    private static readonly AbiEvent Proposed = IntentEscrowAbi.Abi.Event("SignerSetProposed");
    private static readonly AbiEvent Activated = IntentEscrowAbi.Abi.Event("SignerSetActivated");

    /// <summary>Topic 0 of every event the watcher asks for besides IntentOpened.</summary>
    public static IReadOnlyList<Bytes32> Topics { get; } =
        [Released.Topic0, Refunded.Topic0, Payout.Topic0, Leg.Topic0, ClaimCreatedEvent.Topic0, ClaimedEvent.Topic0, SelfSkipped.Topic0, Proposed.Topic0, Activated.Topic0];

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

        return TryDecodeV2(log, topic0, position);
    }

    private static EscrowEvent? TryDecodeV2(EvmLog log, Bytes32 topic0, ChainPosition position)
    {
        if (topic0 == ClaimCreatedEvent.Topic0)
        {
            var v = ClaimCreatedEvent.Decode(log.Topics, log.Data);
            return new ClaimCreated(position, (EvmAddress)v[0]!, (EvmAddress)v[1]!, Amount(v[2]), (byte)(BigInteger)v[3]!, new Bytes32((byte[])v[4]!));
        }

        if (topic0 == ClaimedEvent.Topic0)
        {
            var v = ClaimedEvent.Decode(log.Topics, log.Data);
            return new ClaimCollected(position, (EvmAddress)v[0]!, (EvmAddress)v[1]!, (EvmAddress)v[2]!, Amount(v[3]));
        }

        if (topic0 == SelfSkipped.Topic0)
        {
            var v = SelfSkipped.Decode(log.Topics, log.Data);
            return new SelfTransferSkipped(position, (byte)(BigInteger)v[0]!, new Bytes32((byte[])v[1]!), (EvmAddress)v[2]!, Amount(v[3]));
        }

        if (topic0 == Proposed.Topic0)
        {
            var v = Proposed.Decode(log.Topics, log.Data);
            return new SignerSetProposed(position, (ulong)(BigInteger)v[0]!, Addresses(v[1]), (byte)(BigInteger)v[2]!, (ulong)(BigInteger)v[3]!);
        }

        if (topic0 == Activated.Topic0)
        {
            var v = Activated.Decode(log.Topics, log.Data);
            return new SignerSetActivated(position, (ulong)(BigInteger)v[0]!, Addresses(v[1]), (byte)(BigInteger)v[2]!);
        }

        return null;
    }

    private static UInt256 Amount(object? value) => UInt256.FromBigInteger((BigInteger)value!);

    private static EvmAddress[] Addresses(object? value) => [.. ((object?[])value!).Select(a => (EvmAddress)a!)];
}
