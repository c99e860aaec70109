using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>A payout as the devnet saw it the moment its chunk was handed to the submitter: was its deposit Released yet?</summary>
internal sealed record PayoutSendCheck(Bytes32 IntentId, ChainId Origin, ChainId Destination, bool ReleasedOnOrigin);

/// <summary>
/// Wraps a chain's submitter and, just before each payout chunk is sent, reads every paid intent's status on its
/// origin escrow, so the devnet proves from the chains themselves that nothing was paid before it was released.
/// </summary>
internal sealed class ReleaseProbe(IChunkSubmitter inner, Func<ChainId, Bytes32, CancellationToken, Task<bool>> isReleased, List<PayoutSendCheck> checks) : IChunkSubmitter
{
    public ChainId ChainId => inner.ChainId;

    public ChunkLimits Limits => inner.Limits;

    public async Task<ChunkSubmission> SubmitAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        if (chunk.AwaitsRelease is { } release)
        {
            foreach (var payout in chunk.Actions.Where(a => a.Kind == ActionKind.Payout))
            {
                var released = await isReleased(release.ChainId, payout.IntentId, cancellationToken).ConfigureAwait(false);
                lock (checks)
                {
                    checks.Add(new PayoutSendCheck(payout.IntentId, release.ChainId, chunk.ChainId, released));
                }
            }
        }

        return await inner.SubmitAsync(chunk, cancellationToken).ConfigureAwait(false);
    }
}
