using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Adapters.Solana.Watching;

/// <summary>
/// Reads the escrow's deposit counter (the config's next nonce) and intents straight from their accounts, at the
/// watcher's commitment. An intent account holds every field of its <c>IntentOpened</c> event except the origin chain
/// id, which is the config's (checked against the configured one), so a recovered intent equals the event's.
/// </summary>
internal sealed class DepositReconciler(ISolanaRpc rpc, SolanaClusterOptions options)
{
    /// <summary>getMultipleAccounts takes at most 100 addresses per call.</summary>
    internal const int MaxAccountsPerRead = 100;

    private readonly EscrowProgram _escrow = new(options.ProgramKey);

    /// <summary>The next deposit nonce: every nonce below it has an intent account.</summary>
    public async Task<ulong> ReadNextNonceAsync(CancellationToken cancellationToken)
    {
        var account = await rpc.GetAccountInfoAsync(_escrow.Config, options.Commitment, cancellationToken).ConfigureAwait(false)
            ?? throw new EscrowEventException($"The escrow config {Codec.Base58.EncodeKey(_escrow.Config)} does not exist at {options.Commitment} on chain {options.Chain}.");
        var config = EscrowConfig.Decode(account.Data);
        return config.ChainId == options.Chain
            ? config.NextNonce
            : throw new EscrowEventException($"The escrow config holds chain id {config.ChainId}, the cluster is configured as {options.Chain}.");
    }

    /// <summary>The intents of <paramref name="nonces"/> read from their accounts, in the given order, batched.</summary>
    /// <exception cref="EscrowEventException">An account is missing or is not the intent of its nonce.</exception>
    public async Task<IReadOnlyList<Intent>> ReadIntentsAsync(IReadOnlyList<ulong> nonces, CancellationToken cancellationToken)
    {
        var intents = new List<Intent>(nonces.Count);
        foreach (var batch in nonces.Chunk(MaxAccountsPerRead))
        {
            var ids = batch.Select(n => IntentId.Compute(options.Chain, _escrow.ProgramId, n)).ToArray();
            var accounts = await rpc.GetMultipleAccountsAsync([.. ids.Select(_escrow.IntentAddress)], options.Commitment, cancellationToken).ConfigureAwait(false);
            for (var i = 0; i < batch.Length; i++)
            {
                var account = accounts[i]
                    ?? throw new EscrowEventException($"Intent account of nonce {batch[i]} (id {ids[i]}) does not exist at {options.Commitment} on chain {options.Chain}, although the escrow's next nonce is past it.");
                if (account.Owner != _escrow.ProgramId)
                {
                    throw new EscrowEventException($"Intent account of nonce {batch[i]} is owned by {Codec.Base58.EncodeKey(account.Owner)}, not the escrow.");
                }

                EscrowIntent stored;
                try
                {
                    stored = EscrowIntent.Decode(account.Data);
                }
                catch (FormatException ex)
                {
                    throw new EscrowEventException($"Intent account of nonce {batch[i]}: {ex.Message}");
                }

                if (stored.Nonce != batch[i])
                {
                    throw new EscrowEventException($"Intent account of nonce {batch[i]} holds nonce {stored.Nonce}.");
                }

                // The same conversion and checks as an event's: identical fields by construction.
                intents.Add(new IntentOpenedEvent(
                    stored.IntentId, stored.Nonce, stored.Depositor, stored.InputMint, stored.InputAmount, stored.DestinationChainId,
                    stored.OutputToken, stored.MinOutputAmount, stored.Recipient, stored.FillDeadline, options.ChainId).ToIntent(options.Chain, _escrow.ProgramId));
            }
        }

        return intents;
    }
}
