using DiscreteExec.Core.Messages;
using MassTransit;

namespace DiscreteExec.Samples.BusSubscriber;

/// <summary>
/// Consumes the three events an accounting system needs. MassTransit binds the subscriber's queue to the exchanges
/// named after the message types (<c>DiscreteExec.Core.Messages:IntentSettled</c>, …) that the node publishes to.
/// </summary>
public sealed class SettlementConsumer(SettlementJournal journal) :
    IConsumer<IntentSettled>,
    IConsumer<IntentRefunded>,
    IConsumer<EpochCleared>
{
    public Task Consume(ConsumeContext<IntentSettled> context) => Record(context.Message);

    public Task Consume(ConsumeContext<IntentRefunded> context) => Record(context.Message);

    public Task Consume(ConsumeContext<EpochCleared> context) => Record(context.Message);

    private Task Record(IIntegratorEvent integratorEvent)
    {
        ArgumentNullException.ThrowIfNull(journal);
        journal.Record(integratorEvent);
        return Task.CompletedTask;
    }
}
