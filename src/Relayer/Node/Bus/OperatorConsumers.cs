using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>Keeps a manifest another operator proposed; the epoch loop verifies it when its epoch is open here.</summary>
internal sealed class EpochProposedConsumer(IOperatorMessageStore store) : IConsumer<EpochProposed>
{
    public Task Consume(ConsumeContext<EpochProposed> context) => store.SaveProposalAsync(context.Message, context.CancellationToken);
}

/// <summary>Keeps an operator's chunk attestation; the epoch loop counts them against its own chunk when it needs a threshold.</summary>
internal sealed class LegAttestedConsumer(IOperatorMessageStore store) : IConsumer<LegAttested>
{
    public Task Consume(ConsumeContext<LegAttested> context) => store.SaveAttestationAsync(context.Message, context.CancellationToken);
}

/// <summary>Logs why an operator refused a manifest (the epoch moves to the next proposer after the timeout).</summary>
internal sealed class ManifestRefusedConsumer(ILogger<ManifestRefusedConsumer> logger) : IConsumer<ManifestRefused>
{
    public Task Consume(ConsumeContext<ManifestRefused> context)
    {
        var refusal = context.Message;
        BusLog.ManifestRefused(logger, refusal.EpochId, refusal.VerifierId, refusal.ProposerIndex, refusal.Fault, refusal.Subject, refusal.Proposed, refusal.Observed);
        return Task.CompletedTask;
    }
}

/// <summary>Publishes this operator's manifests, attestations and refusals on the shared exchange, awaiting the broker's confirm.</summary>
internal sealed class BusOperatorPublisher(IPublishEndpoint bus) : IOperatorPublisher
{
    public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class => bus.Publish(message, cancellationToken);
}
