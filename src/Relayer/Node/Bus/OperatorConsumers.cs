using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;
using MassTransit;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// Keeps a manifest another operator proposed, once <see cref="OperatorMessageIntake"/> found it well formed and from
/// the operator at its index; the epoch loop verifies it when its epoch is open here. A dropped one is logged, never retried.
/// </summary>
internal sealed class EpochProposedConsumer(OperatorMessageIntake intake, ILogger<EpochProposedConsumer> logger) : IConsumer<EpochProposed>
{
    public async Task Consume(ConsumeContext<EpochProposed> context)
    {
        var proposal = context.Message;
        if (await intake.ProposalAsync(proposal, context.CancellationToken).ConfigureAwait(false) is { } dropped)
        {
            BusLog.OperatorMessageDropped(logger, nameof(EpochProposed), proposal.EpochId, dropped);
        }
    }
}

/// <summary>
/// Keeps an operator's chunk attestation once its signature verifies against that operator's configured signer; the
/// epoch loop counts them against its own chunk when it needs a threshold. A dropped one is logged, never retried.
/// </summary>
internal sealed class LegAttestedConsumer(OperatorMessageIntake intake, ILogger<LegAttestedConsumer> logger) : IConsumer<LegAttested>
{
    public async Task Consume(ConsumeContext<LegAttested> context)
    {
        var attestation = context.Message;
        if (await intake.AttestationAsync(attestation, context.CancellationToken).ConfigureAwait(false) is { } dropped)
        {
            BusLog.OperatorMessageDropped(logger, nameof(LegAttested), attestation.EpochId, dropped);
        }
    }
}

/// <summary>
/// Another operator asks this one to co-sign a Solana settle message: <see cref="SettleCoSignResponder"/> signs it
/// only when it is exactly the settle of a chunk this operator attested. A refusal is logged, never retried.
/// </summary>
internal sealed class SettleCoSignRequestedConsumer(SettleCoSignResponder responder, ILogger<SettleCoSignRequestedConsumer> logger) : IConsumer<SettleCoSignRequested>
{
    public async Task Consume(ConsumeContext<SettleCoSignRequested> context)
    {
        var request = context.Message;
        if (await responder.AnswerAsync(request, context.CancellationToken).ConfigureAwait(false) is { } refused)
        {
            BusLog.CoSignRefused(logger, request.EpochId, request.ChainId, request.Chunk, request.RequesterId ?? string.Empty, refused);
        }
    }
}

/// <summary>An operator's co-signature of a settle message this node asked for: handed to the request in flight (others are ignored).</summary>
internal sealed class SettleCoSignedConsumer(PendingCoSignatures pending) : IConsumer<SettleCoSigned>
{
    public Task Consume(ConsumeContext<SettleCoSigned> context)
    {
        pending.Offer(context.Message);
        return Task.CompletedTask;
    }
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

/// <summary>
/// Publishes this operator's manifests, attestations, refusals and co-signing messages on the shared exchange, awaiting
/// the broker's confirm for at most <paramref name="confirmBound"/>: MassTransit waits for a broker that is down, and a
/// publish caught by a broker restart can wait for good. A publish unconfirmed at the bound is given up (no longer
/// awaited; a late failure is observed and dropped) and throws <see cref="OperatorPublishUnconfirmedException"/>, so
/// the step fails and is tried again, publishing again (each message is idempotent for its receivers).
/// </summary>
internal sealed class BusOperatorPublisher(IPublishEndpoint bus, TimeSpan confirmBound, TimeProvider time) : IOperatorPublisher
{
    /// <summary>Longer than any proposer's bounded manifest publish (at most 10 s), which ends first and commits to nothing.</summary>
    public static readonly TimeSpan DefaultConfirmBound = TimeSpan.FromSeconds(30);

    public async Task PublishAsync<T>(T message, CancellationToken cancellationToken)
        where T : class
    {
        if (!await BoundedPublish.WithinAsync(token => bus.Publish(message, token), confirmBound, time, cancellationToken).ConfigureAwait(false))
        {
            throw new OperatorPublishUnconfirmedException($"The broker did not confirm this operator's {typeof(T).Name} within {confirmBound.TotalSeconds:0.#} s; the step is tried again.");
        }
    }
}

/// <summary>An operator publish the broker did not confirm within its bound (see <see cref="BusOperatorPublisher"/>).</summary>
internal sealed class OperatorPublishUnconfirmedException(string message) : Exception(message);
