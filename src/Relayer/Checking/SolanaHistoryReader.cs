using System.Text.Json;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Relayer.Checking;

/// <summary>
/// Builds a Solana escrow program's <see cref="EscrowHistory"/> with plain JSON-RPC at the configured commitment: every
/// successful transaction of the program (<c>getSignaturesForAddress</c>, oldest first) and the events its logs carry
/// (<c>getTransaction</c>, <c>Program data:</c> lines), the config's refund grace, each registered mint's pool and vault
/// (<c>getMultipleAccounts</c>), and the chain's time (<c>getBlockTime</c> of the current slot). Accounts and
/// signatures cannot be read at one slot, so the accounts are read again (a few times at most), with the transactions that
/// landed since the last signature list, until none landed between the signature list and the accounts.
/// </summary>
internal sealed class SolanaHistoryReader(ISolanaRpc rpc, SolanaClusterOptions options)
{
    private const int Attempts = 10;
    private const int TransactionReadConcurrency = 8;
    private readonly EscrowProgram _escrow = new(options.ProgramKey);
    private readonly SolanaTruncatedLogRecovery _recovery = new(rpc, options, new EscrowProgram(options.ProgramKey));

    public async Task<EscrowHistory> ReadAsync(CancellationToken cancellationToken)
    {
        var config = await rpc.GetAccountInfoAsync(_escrow.Config, options.Commitment, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidDataException($"Chain {options.ChainId}: the escrow program {options.ProgramId} has no config account (not initialized).");
        var grace = EscrowConfig.Decode(config.Data).RefundGraceSeconds;
        var records = new List<EscrowRecord>();
        var mints = new List<Bytes32>();
        string? newest = null;
        for (var attempt = 1; ; attempt++)
        {
            var slot = await rpc.GetSlotAsync(options.Commitment, cancellationToken).ConfigureAwait(false);
            var time = await rpc.RequestAsync("getBlockTime", [slot], cancellationToken).ConfigureAwait(false);

            // Only the first attempt reads the whole history; a retry reads just what landed since (the full read takes
            // long enough that a working node lands a transaction during it every time: re-reading it all never settled).
            newest = await AppendSinceAsync(newest, records, mints, cancellationToken).ConfigureAwait(false);
            var holdings = await HoldingsAsync(mints, cancellationToken).ConfigureAwait(false);
            var newestAfter = await NewestSignatureAsync(cancellationToken).ConfigureAwait(false);

            // After the last attempt the history is reported as read: a chain that kept moving then shows as a balance mismatch.
            if (newestAfter == newest || attempt == Attempts)
            {
                return new EscrowHistory(options.Chain, ChainKind.Solana, time.ValueKind == JsonValueKind.Number ? time.GetUInt64() : 0, grace, records, holdings);
            }
        }
    }

    private async Task<string?> NewestSignatureAsync(CancellationToken cancellationToken)
    {
        var page = await rpc.GetSignaturesForAddressAsync(_escrow.ProgramId, new SignaturePage(null, null, 1), options.Commitment, cancellationToken).ConfigureAwait(false);
        return page.Count == 0 ? null : page[0].Signature;
    }

    private async Task<IReadOnlyList<TokenHoldings>> HoldingsAsync(IReadOnlyList<Bytes32> mints, CancellationToken cancellationToken)
    {
        var addresses = mints.SelectMany(m => new[] { _escrow.PoolAddress(m), _escrow.VaultAddress(m) }).ToArray();
        var accounts = addresses.Length == 0 ? [] : await rpc.GetMultipleAccountsAsync(addresses, options.Commitment, cancellationToken).ConfigureAwait(false);
        var holdings = new List<TokenHoldings>();
        for (var i = 0; i < mints.Count; i++)
        {
            var pool = accounts[2 * i] is { } poolAccount ? EscrowPool.Decode(poolAccount.Data).Pool : 0UL;
            var held = accounts[(2 * i) + 1] is { } vault ? TokenProgram.ReadAmount(vault.Data) : 0UL;
            holdings.Add(new TokenHoldings(mints[i], held, pool));
        }

        return holdings;
    }

    /// <summary>
    /// Appends to <paramref name="records"/> and <paramref name="mints"/> the program's transactions after
    /// <paramref name="since"/> (all of them when null), oldest first; returns the newest signature now read.
    /// </summary>
    private async Task<string?> AppendSinceAsync(string? since, List<EscrowRecord> records, List<Bytes32> mints, CancellationToken cancellationToken)
    {
        var signatures = new List<SignatureInfo>();
        string? before = null;
        while (true)
        {
            var page = await rpc.GetSignaturesForAddressAsync(_escrow.ProgramId, new SignaturePage(before, since, options.SignaturePageSize), options.Commitment, cancellationToken).ConfigureAwait(false);
            signatures.AddRange(page);
            if (page.Count < options.SignaturePageSize)
            {
                break;
            }

            before = page[^1].Signature;
        }

        var newest = signatures.FirstOrDefault()?.Signature ?? since;
        signatures.Reverse();
        var successful = signatures.Where(s => !s.Failed).ToArray();
        var transactions = new TransactionDetails?[successful.Length];
        await Parallel.ForAsync(0, successful.Length, new ParallelOptions { MaxDegreeOfParallelism = TransactionReadConcurrency, CancellationToken = cancellationToken }, async (i, token) =>
            transactions[i] = await rpc.GetTransactionAsync(successful[i].Signature, options.Commitment, token).ConfigureAwait(false)).ConfigureAwait(false);

        for (var i = 0; i < successful.Length; i++)
        {
            var transaction = transactions[i];
            if (transaction is null)
            {
                records.Add(new UndecodableRecord($"tx {successful[i].Signature}", "listed by getSignaturesForAddress, but getTransaction does not return it"));
                continue;
            }

            if (transaction.Error is not null)
            {
                continue;
            }

            var lines = EscrowEventDecoder.ProgramDataLines(transaction.LogMessages, _escrow.ProgramId);
            var logged = new List<EscrowEvent>();
            for (var n = 0; n < lines.Count; n++)
            {
                var location = $"slot {transaction.Slot} tx {transaction.Signature} event {n}";
                try
                {
                    var escrowEvent = EscrowEventDecoder.DecodeBase64(lines[n]);
                    logged.Add(escrowEvent);
                    if (escrowEvent is MintRegisteredEvent registered)
                    {
                        mints.Add(registered.Mint);
                    }
                    else if (ToRecord(escrowEvent, location) is { } record)
                    {
                        records.Add(record);
                    }
                }
                catch (EscrowEventException e)
                {
                    records.Add(new UndecodableRecord(location, e.Message));
                }
            }

            if (transaction.LogMessages.Contains(SolanaTruncatedLogRecovery.TruncatedLine))
            {
                records.AddRange(await _recovery.RecoverAsync(transaction, logged, records, cancellationToken).ConfigureAwait(false));
            }
        }

        return newest;
    }

    private EscrowRecord? ToRecord(EscrowEvent escrowEvent, string location) => escrowEvent switch
    {
        IntentOpenedEvent opened => new IntentOpenedRecord(location, opened.ToIntent(options.Chain, _escrow.ProgramId)),
        IntentReleasedEvent released => new IntentReleasedRecord(location, released.IntentId, released.Epoch),
        IntentRefundedEvent refunded => new IntentRefundedRecord(location, refunded.IntentId, refunded.Epoch),
        PayoutMadeEvent payout => new PayoutRecord(location, payout.SourceIntentId, payout.Mint, payout.Recipient, payout.Amount, payout.Epoch),
        SelfTransferSkippedEvent { Kind: ActionKind.Payout } skipped => new PayoutRecord(location, skipped.Ref, skipped.Mint, Recipient: null, skipped.Amount, skipped.Epoch),
        LegAppliedEvent leg => new LegAppliedRecord(location, leg.Epoch, leg.Chunk, leg.BatchRoot),
        ClaimCreatedEvent claim => new ClaimCreatedRecord(location, claim.Mint, claim.Amount),
        ClaimedEvent claimed => new ClaimCollectedRecord(location, claimed.Mint, claimed.Amount),
        _ => null,
    };
}
