using DiscreteExec.Core;
using System.Globalization;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Settlement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>
/// Plans the batch's chunks once for both chains and settles them release-first (<see cref="ReleaseFirstSettlement"/>:
/// every Release chunk applied and final before any payout chunk is sent; EVM: 2-of-3 EIP-712 signatures, Solana:
/// 2 attestors), and reads recipients' balances.
/// </summary>
internal sealed class LegSettlement(LocalDevnet devnet)
{
    /// <summary>Every payout the devnet sent, with whether its deposit was Released on its origin chain at that moment.</summary>
    public List<PayoutSendCheck> PayoutChecks { get; } = [];

    public async Task<SettlementReport> SubmitAsync(SettlementBatch batch, TextWriter log, CancellationToken cancellationToken)
    {
        using var sender = devnet.Evm.CreateSender();
        var settlement = new ReleaseFirstSettlement(
            [Probe(devnet.Evm.CreateSubmitter(sender)), Probe(devnet.Solana.CreateSubmitter())], NullLogger<ReleaseFirstSettlement>.Instance);
        var chunks = SettlementChunkPlanner.Plan(batch.Legs, settlement.LimitsOf);
        var report = await settlement.SettleAsync(chunks, cancellationToken).ConfigureAwait(false);
        var stages = chunks.ToDictionary(c => c.Reference);
        foreach (var chunk in report.Submitted.OrderBy(s => stages[s.Chunk].Stage))
        {
            var planned = stages[chunk.Chunk];
            var awaits = planned.AwaitsRelease is { } release ? string.Create(CultureInfo.InvariantCulture, $", after release chunk {release.ChainId}/{release.Index}") : string.Empty;
            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                $"  chain {chunk.Chunk.ChainId,-6} epoch {chunk.EpochId} chunk {chunk.Chunk.Index} ({Describe(planned)}{awaits}): {(chunk.Outcome == ChunkSubmissionOutcome.Applied ? "applied, tx " + chunk.TransactionId : "already applied, nothing sent")}"));
        }

        foreach (var abandoned in report.Abandoned)
        {
            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                $"  chain {abandoned.Chunk.ChainId,-6} epoch {abandoned.Chunk.EpochId} chunk {abandoned.Chunk.Index} ({Describe(abandoned.Chunk)}): FAILED: {abandoned.Reason}"));
        }

        foreach (var withheld in report.Withheld)
        {
            DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
                $"  chain {withheld.ChainId,-6} epoch {withheld.EpochId} chunk {withheld.Index} ({Describe(withheld)}): withheld, its release chunk did not apply"));
        }

        return report;
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

    private ReleaseProbe Probe(IChunkSubmitter submitter) => new(submitter, IsReleasedAsync, PayoutChecks);

    private async Task<bool> IsReleasedAsync(ChainId origin, Bytes32 intentId, CancellationToken cancellationToken) =>
        origin == EvmDevChain.Chain
            ? await devnet.Evm.IntentStatusAsync(intentId, cancellationToken).ConfigureAwait(false) == 2
            : await devnet.Solana.IntentStatusAsync(intentId, cancellationToken).ConfigureAwait(false) == DiscreteExec.Adapters.Solana.Programs.EscrowIntentStatus.Released;

    private static string Describe(SettlementChunk chunk)
    {
        var kind = chunk.Actions[0].Kind.ToString().ToLowerInvariant();
        return string.Create(CultureInfo.InvariantCulture, $"{chunk.Actions.Count} {kind}{(chunk.Actions.Count == 1 ? string.Empty : "s")}");
    }
}
