using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// Marks a reorganised-out intent Retracted while it is still Open; while an epoch holds it the retraction is held,
/// and applied if the epoch returns it to the book (<see cref="StoredIntent.RetractionHeld"/>). Consumers run concurrently, so a retraction may
/// overtake its observation: an unknown intent is retried (and lands in the error queue, logged, if it never shows up).
/// A retraction of a block the intent is no longer stored from (it was seen again in the new fork), or one older than
/// the last report applied to the intent, changes nothing (logged).
/// </summary>
internal sealed class IntentRetractedConsumer(
    IIntentStore store,
    IntakeChains chains,
    ILogger<IntentRetractedConsumer> logger) : IConsumer<IntentRetracted>
{
    public async Task Consume(ConsumeContext<IntentRetracted> context)
    {
        var retracted = context.Message;
        var problem = IntakeValidation.Problem(retracted, chains);
        var stored = problem is null ? await store.GetAsync(retracted.IntentId, context.CancellationToken).ConfigureAwait(false) : null;
        if (problem is null && stored is not null && stored.Observed.Intent.OriginChainId != retracted.ChainId)
        {
            problem = $"intent {retracted.IntentId}: retracted on chain {retracted.ChainId} but it was observed on chain {stored.Observed.Intent.OriginChainId}";
        }

        if (problem is not null)
        {
            BusLog.MalformedIntake(logger, nameof(IntentRetracted), context.MessageId, problem);
            throw new MalformedIntakeMessageException($"{nameof(IntentRetracted)}: {problem}.");
        }

        if (stored is null)
        {
            throw new IntentNotYetObservedException($"{nameof(IntentRetracted)}: intent {retracted.IntentId} of chain {retracted.ChainId} is not stored (yet).");
        }

        if (await store.RetractAsync(retracted, context.CancellationToken).ConfigureAwait(false))
        {
            BusLog.IntentRetracted(logger, retracted.IntentId, retracted.ChainId, retracted.Reason);
        }
        else if (await store.GetAsync(retracted.IntentId, context.CancellationToken).ConfigureAwait(false) is { } now && now.Stage != IntentStage.Retracted)
        {
            if (now.Stage == IntentStage.Open)
            {
                // Of another block than the stored observation's, or older than the last report applied to the intent.
                BusLog.RetractionOfAnotherBlock(logger, retracted.IntentId, retracted.ChainId, retracted.BlockHash ?? "(none named)", now.Observed.Position.BlockHash);
            }
            else if (now is { Stage: IntentStage.InEpoch, RetractionHeld: true, EpochId: { } epochId })
            {
                BusLog.RetractionHeld(logger, retracted.IntentId, retracted.ChainId, retracted.Reason, epochId);
            }
            else
            {
                BusLog.RetractionTooLate(logger, retracted.IntentId, retracted.ChainId, retracted.Reason, now.Stage);
            }
        }

        await IntakeStoredAnswer.SendIfAskedAsync(context).ConfigureAwait(false);
    }
}
