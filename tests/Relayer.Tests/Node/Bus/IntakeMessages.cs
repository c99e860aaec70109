using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Tests.Node.Bus;

/// <summary>Intake messages for the bus tests: deterministic intents of one origin chain.</summary>
internal static class IntakeMessages
{
    public static readonly ChainId Origin = new(31337);
    public static readonly ChainId Destination = new(900);

    public static IntentObserved Observed(ulong nonce, ChainId? origin = null)
    {
        var chain = origin ?? Origin;
        var intent = new Intent
        {
            IntentId = IntentId.Compute(chain, Bytes32.FromUInt64(0xE5C), nonce),
            OriginChainId = chain,
            DepositNonce = nonce,
            Depositor = Bytes32.FromUInt64(1),
            InputToken = Bytes32.FromUInt64(2),
            InputAmount = 1_000 + nonce,
            DestinationChainId = Destination,
            OutputToken = Bytes32.FromUInt64(3),
            MinOutputAmount = 900,
            Recipient = Bytes32.FromUInt64(4),
            FillDeadline = 2_000_000_000,
        };
        return new IntentObserved
        {
            Intent = intent,
            Position = new ChainPosition { BlockNumber = 100 + nonce, BlockHash = $"0x{nonce:x64}", TransactionId = $"0x{nonce + 1:x64}", LogIndex = 0 },
        };
    }

    public static IntentRetracted Retracted(IntentObserved observed) =>
        new() { ChainId = observed.Intent.OriginChainId, IntentId = observed.Intent.IntentId, Reason = "reorg at block 101" };

    public static ChainEventBatch Batch(ulong firstNonce, int count) =>
        new(Origin, [.. Enumerable.Range(0, count).Select(i => Observed(firstNonce + (ulong)i))], [], new ChainCursor(firstNonce + (ulong)count, "0xcursor"));
}
