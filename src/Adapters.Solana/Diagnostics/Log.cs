using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Solana.Diagnostics;

/// <summary>Source-generated log messages with fixed event ids (6000-6099: Solana adapter).</summary>
internal static partial class Log
{
    [LoggerMessage(6010, LogLevel.Information, "Intent {IntentId} observed on chain {ChainId} (nonce {Nonce}, slot {Slot}, tx {Signature})")]
    public static partial void IntentObserved(ILogger logger, Bytes32 intentId, ChainId chainId, ulong nonce, ulong slot, string signature);

    [LoggerMessage(6011, LogLevel.Warning, "Malformed escrow event in transaction {Signature} on chain {ChainId}, skipped: {Reason}")]
    public static partial void MalformedEvent(ILogger logger, string signature, ChainId chainId, string reason);

    [LoggerMessage(6012, LogLevel.Warning, "Nonce gap on chain {ChainId}: expected {Expected}, saw {Nonce} in {Signature}")]
    public static partial void NonceGap(ILogger logger, ChainId chainId, ulong expected, ulong nonce, string signature);

    [LoggerMessage(6013, LogLevel.Debug, "Intent {IntentId} (nonce {Nonce}) was already reported on chain {ChainId}, skipped")]
    public static partial void AlreadyReported(ILogger logger, Bytes32 intentId, ulong nonce, ChainId chainId);

    [LoggerMessage(6014, LogLevel.Warning, "Watcher poll on chain {ChainId} failed, retrying in {Delay}")]
    public static partial void PollFailed(ILogger logger, Exception exception, ChainId chainId, TimeSpan delay);

    [LoggerMessage(6015, LogLevel.Debug, "Transaction {Signature} is not yet visible at {Commitment} on chain {ChainId}; resuming from it next poll")]
    public static partial void TransactionNotYetVisible(ILogger logger, string signature, string commitment, ChainId chainId);

    [LoggerMessage(6016, LogLevel.Warning, "Intent {IntentId} on chain {ChainId} (nonce {Nonce}) recovered from its account: {RecoveredBecause}")]
    public static partial void IntentRecovered(ILogger logger, Bytes32 intentId, ChainId chainId, ulong nonce, string recoveredBecause);

    [LoggerMessage(6017, LogLevel.Warning, "Reconciliation against the deposit counter on chain {ChainId} failed; retrying when next due")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, ChainId chainId);

    [LoggerMessage(6021, LogLevel.Information, "Chunk {Chunk} of epoch {EpochId} on chain {ChainId} applied in {Signature} (slot {Slot})")]
    public static partial void ChunkApplied(ILogger logger, uint chunk, ulong epochId, ChainId chainId, string signature, ulong slot);

    [LoggerMessage(6022, LogLevel.Information, "Chunk {Chunk} of epoch {EpochId} on chain {ChainId} was already applied (receipt found)")]
    public static partial void ChunkAlreadyApplied(ILogger logger, uint chunk, ulong epochId, ChainId chainId);

    [LoggerMessage(6023, LogLevel.Warning, "Chunk {Chunk} of epoch {EpochId} on chain {ChainId}: {Reason}; rebuilding with a fresh blockhash (attempt {Attempt})")]
    public static partial void ChunkRebuild(ILogger logger, uint chunk, ulong epochId, ChainId chainId, string reason, int attempt);

    [LoggerMessage(6024, LogLevel.Information, "Created address lookup table {Table} (recent slot {Slot}) for the escrow on chain {ChainId}")]
    public static partial void LookupTableCreated(ILogger logger, string table, ulong slot, ChainId chainId);
}
