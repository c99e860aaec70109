using DiscreteExec.Core;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>The bus's log lines, with fixed event ids (4100-4199).</summary>
internal static partial class BusLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Error, Message = "Malformed {MessageType} {MessageId} moved to the error queue: {Problem}")]
    public static partial void MalformedIntake(ILogger logger, string messageType, Guid? messageId, string problem);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Intent {IntentId} of chain {ChainId} stored as open")]
    public static partial void IntentStored(ILogger logger, Bytes32 intentId, ChainId chainId);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "Intent {IntentId} was already stored (a redelivery): nothing changed")]
    public static partial void IntentAlreadyStored(ILogger logger, Bytes32 intentId);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Information, Message = "Intent {IntentId} of chain {ChainId} retracted: {Reason}")]
    public static partial void IntentRetracted(ILogger logger, Bytes32 intentId, ChainId chainId, string reason);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Intent {IntentId} of chain {ChainId} was reorganised out ({Reason}) but is already {Stage}: not retracted")]
    public static partial void RetractionTooLate(ILogger logger, Bytes32 intentId, ChainId chainId, string reason, DiscreteExec.Relayer.Node.Store.IntentStage stage);

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Intent {IntentId} of chain {ChainId} was reorganised out ({Reason}) while epoch {EpochId} holds it: it becomes Retracted if that epoch returns it to the book (a fill or refund of it there fails at its escrow)")]
    public static partial void RetractionHeld(ILogger logger, Bytes32 intentId, ChainId chainId, string reason, ulong epochId);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Information, Message = "Intent {IntentId} of chain {ChainId}: the retraction of block {RetractedBlock} changes nothing; the intent was reported again since (stored from block {StoredBlock})")]
    public static partial void RetractionOfAnotherBlock(ILogger logger, Bytes32 intentId, ChainId chainId, string retractedBlock, string storedBlock);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Warning, Message = "Integrator event {EventId} is in the event log but its bus publish failed")]
    public static partial void EventPublishFailed(ILogger logger, string eventId, Exception exception);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Warning, Message = "Epoch {EpochId}: operator {VerifierId} refused proposer {ProposerIndex}'s manifest ({Fault}): {Subject} is {Proposed} in the manifest, {Observed} in its own view")]
    public static partial void ManifestRefused(ILogger logger, ulong epochId, string verifierId, int proposerIndex, DiscreteExec.Core.Messages.ManifestFault fault, string subject, string proposed, string observed);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning, Message = "Epoch {EpochId}: dropped an operator message {MessageType}: {Reason}")]
    public static partial void OperatorMessageDropped(ILogger logger, string messageType, ulong epochId, string reason);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Warning, Message = "Epoch {EpochId}: refused to co-sign chunk {Chunk} on chain {ChainId} for operator {RequesterId}: {Reason}")]
    public static partial void CoSignRefused(ILogger logger, ulong epochId, ChainId chainId, uint chunk, string requesterId, string reason);
}
