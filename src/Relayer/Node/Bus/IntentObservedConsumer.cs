using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Store;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// Stores an observed intent as Open and announces it (<see cref="IntentAccepted"/>). A redelivery leaves the store as
/// it is; the announcement is made again (the event log keeps it once, bus subscribers see the same event id), so a
/// crash or a broker fault between storing and publishing loses no event.
/// </summary>
internal sealed class IntentObservedConsumer(
    IIntentStore store,
    IIntegratorEventPublisher publisher,
    IntakeChains chains,
    ILogger<IntentObservedConsumer> logger) : IConsumer<IntentObserved>
{
    public async Task Consume(ConsumeContext<IntentObserved> context)
    {
        var observed = context.Message;
        var problem = IntakeValidation.Problem(observed, chains);
        if (problem is not null)
        {
            BusLog.MalformedIntake(logger, nameof(IntentObserved), context.MessageId, problem);
            throw new MalformedIntakeMessageException($"{nameof(IntentObserved)}: {problem}.");
        }

        var intent = observed.Intent;
        if (await store.AddAsync(observed, context.CancellationToken).ConfigureAwait(false))
        {
            BusLog.IntentStored(logger, intent.IntentId, intent.OriginChainId);
        }
        else
        {
            BusLog.IntentAlreadyStored(logger, intent.IntentId);
        }

        var accepted = new IntentAccepted(IntegratorEventIds.Accepted(intent.IntentId), intent, observed.Position);
        await publisher.PublishAsync(accepted, context.CancellationToken).ConfigureAwait(false);

        await IntakeStoredAnswer.SendIfAskedAsync(context).ConfigureAwait(false);
    }
}
