using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// What is wrong with an intake message, in words for the log, or null when it can be stored. The bus deserializer
/// lets an explicit JSON null through a non-nullable member, so every reference is checked here.
/// </summary>
internal static class IntakeValidation
{
    public static string? Problem(IntentObserved? observed, IntakeChains chains)
    {
        if (observed is null)
        {
            return "the message body is empty";
        }

        var intent = observed.Intent;
        if (intent is null)
        {
            return "Intent is null";
        }

        var position = observed.Position;
        if (position is null)
        {
            return $"intent {intent.IntentId}: Position is null";
        }

        if (position.BlockHash is null || position.TransactionId is null)
        {
            return $"intent {intent.IntentId}: Position.{(position.BlockHash is null ? "BlockHash" : "TransactionId")} is null";
        }

        if (!chains.Contains(intent.OriginChainId))
        {
            return $"intent {intent.IntentId}: origin chain {intent.OriginChainId} is not a chain this node watches";
        }

        return chains.Contains(intent.DestinationChainId)
            ? null
            : $"intent {intent.IntentId}: destination chain {intent.DestinationChainId} is not a chain this node settles on";
    }

    public static string? Problem(IntentRetracted? retracted, IntakeChains chains)
    {
        if (retracted is null)
        {
            return "the message body is empty";
        }

        if (retracted.Reason is null)
        {
            return $"intent {retracted.IntentId}: Reason is null";
        }

        return chains.Contains(retracted.ChainId)
            ? null
            : $"intent {retracted.IntentId}: chain {retracted.ChainId} is not a chain this node watches";
    }
}
