using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// This operator's own EVM key in an operator set: it signs a chunk only of the batch root this node chose for the
/// chunk's epoch in the round its epoch record holds (<see cref="ChosenRoots.ChosenRootOfRecordRoundAsync"/>), so a node that follows another root (one a threshold of
/// the others attested) submits it with their collected signatures and never adds its own: the verifier rule (one
/// root per epoch, ever) holds at the key, whatever the submitter asks. Any other chunk is
/// <see cref="LegSignatureUnavailableException"/> (the submitter leaves this key out). Signer sets pass through.
/// </summary>
internal sealed class ChosenRootLegSigner(ILegSigner own, IEpochStore epochs) : ILegSigner
{
    public EvmAddress Address => own.Address;

    public async Task<EcdsaSignature> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var chosen = await epochs.ChosenRootOfRecordRoundAsync(chunk.EpochId, cancellationToken).ConfigureAwait(false);
        return chosen == chunk.BatchRoot
            ? await own.SignAsync(chunk, cancellationToken).ConfigureAwait(false)
            : throw new LegSignatureUnavailableException(
                $"Operator signer {Address} chose root {chosen?.ToString() ?? "(none)"} for epoch {chunk.EpochId}; it does not sign chunk {chunk.Chunk} of root {chunk.BatchRoot} on chain {chunk.ChainId}.");
    }

    public Task<EcdsaSignature> SignAsync(SignerSetToSign signerSet, CancellationToken cancellationToken) => own.SignAsync(signerSet, cancellationToken);
}

/// <summary>The root this node chose in the round its epoch record holds (round 0 when it has no record of the epoch).</summary>
internal static class ChosenRoots
{
    public static async Task<Bytes32?> ChosenRootOfRecordRoundAsync(this IEpochStore epochs, ulong epochId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        var round = (await epochs.GetAsync(epochId, cancellationToken).ConfigureAwait(false))?.Round ?? 0;
        return await epochs.ChosenRootAsync(epochId, round, cancellationToken).ConfigureAwait(false);
    }
}
