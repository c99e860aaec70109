using DiscreteExec.Core;
using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core.Settlement;
using SolanaOutcome = DiscreteExec.Adapters.Solana.Settlement.ChunkOutcome;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>Sends each leg of a batch to its chain's submitter (EVM: 2-of-3 EIP-712 signatures; Solana: 2 attestors) and reads recipients' balances.</summary>
internal sealed class LegSettlement(LocalDevnet devnet)
{
    public async Task<IReadOnlyList<SettledChunk>> SubmitAsync(SettlementBatch batch, TextWriter log, CancellationToken cancellationToken)
    {
        var chunks = new List<SettledChunk>();
        using var sender = devnet.Evm.CreateSender();
        var evm = devnet.Evm.CreateSubmitter(sender);
        var solana = devnet.Solana.CreateSubmitter();
        // Protocol v2 chunks, planned over all legs (payout chunks name their origin Release chunk); only the EVM
        // leg is submitted chunk by chunk here. The lead's rewrite settles every origin Release chunk first.
        var planned = SettlementChunkPlanner.Plan(batch.Legs, chain => chain == EvmDevChain.Chain ? evm.Limits : new ChunkLimits(int.MaxValue, int.MaxValue));
        foreach (var leg in batch.Legs)
        {
            if (leg.ChainId == EvmDevChain.Chain)
            {
                foreach (var chunk in planned.Where(c => c.ChainId == leg.ChainId))
                {
                    var c = await evm.SubmitAsync(chunk, cancellationToken).ConfigureAwait(false);
                    chunks.Add(new SettledChunk(leg.ChainId, c.Chunk.Index, c.ActionCount, c.Outcome == ChunkSubmissionOutcome.Applied, c.TransactionId ?? string.Empty));
                }
            }
            else if (leg.ChainId == SolanaDevChain.Chain)
            {
                var result = await solana.SubmitAsync(leg, cancellationToken).ConfigureAwait(false);
                chunks.AddRange(result.Chunks.Select(c => new SettledChunk(leg.ChainId, c.Chunk, c.ActionCount, c.Outcome == SolanaOutcome.Applied, c.Signature ?? string.Empty)));
            }
            else
            {
                throw new DevnetException($"The batch has a leg for chain {leg.ChainId}, which the devnet does not run.");
            }

            foreach (var chunk in chunks.Where(c => c.ChainId == leg.ChainId))
            {
                DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                    $"  chain {leg.ChainId,-6} epoch {leg.EpochId} chunk {chunk.Chunk} ({chunk.ActionCount} action{(chunk.ActionCount == 1 ? string.Empty : "s")}): {(chunk.Applied ? "applied, tx " + chunk.TransactionId : "already applied, nothing sent")}"));
            }
        }

        return chunks;
    }

    public async Task<IReadOnlyList<UInt256>> BalancesAsync(IReadOnlyList<DevnetScenario.Recipient> recipients, CancellationToken cancellationToken)
    {
        var balances = new List<UInt256>(recipients.Count);
        foreach (var r in recipients)
        {
            balances.Add(r.ChainId == EvmDevChain.Chain
                ? await devnet.Evm.TokenBalanceAsync(EvmAddress.FromBytes32(r.Account), cancellationToken).ConfigureAwait(false)
                : await devnet.Solana.TokenBalanceAsync(r.Account, cancellationToken).ConfigureAwait(false));
        }

        return balances;
    }
}
