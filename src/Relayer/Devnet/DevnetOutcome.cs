using DiscreteExec.Core;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Relayer.Settlement;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>What the scenario expects of an intent, by design of its parameters.</summary>
internal enum ExpectedFate
{
    Filled,
    Refunded,
    Deferred,

    /// <summary>No expectation: whatever the clearing decides.</summary>
    Any,
}

/// <summary>One intent the devnet opened, as its user set it up.</summary>
internal sealed record DevnetIntent(
    string Name, Bytes32 IntentId, ChainId Origin, ChainId Destination, Bytes32 Depositor, UInt256 InputAmount, UInt256 MinOutput, Bytes32 Recipient, ExpectedFate Expected);

/// <summary>A devnet run: the epoch it cleared, the batch, what was submitted and replayed, and chain readings taken after settling.</summary>
internal sealed record DevnetOutcome
{
    public required EpochInput Epoch { get; init; }

    public required SettlementBatch Batch { get; init; }

    public required IReadOnlyList<DevnetIntent> Intents { get; init; }

    public required SettlementReport Settled { get; init; }

    public required SettlementReport Replayed { get; init; }

    /// <summary>Each payout of the first settlement, with its origin status read on chain just before its chunk was sent.</summary>
    public required IReadOnlyList<PayoutSendCheck> PayoutChecks { get; init; }

    /// <summary>The two attackers and their intents.</summary>
    public required Attackers Attackers { get; init; }

    /// <summary>What the attackers got: refusals and claims.</summary>
    public required AttackOutcome Attack { get; init; }

    /// <summary>The EVM relayer account's nonce right after the first settlement (a replay that sent anything would move it).</summary>
    public required ulong EvmRelayerNonceAfterSettle { get; init; }

    /// <summary>The Solana fee payer's lamports right after the first settlement (a replay that sent anything would pay fees).</summary>
    public required ulong SolanaPayerLamportsAfterSettle { get; init; }
}
