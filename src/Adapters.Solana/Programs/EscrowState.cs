using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>
/// Reads the escrow program's accounts at the configured commitment: a mint's pool state account (its <c>pool</c>
/// field, the relayers' liquidity), an intent's account (its status; none means the escrow never had it) and a source
/// intent's paid marker (it exists once the Payout was applied, delivered or as a claim).
/// </summary>
internal sealed class EscrowState(ISolanaRpc rpc, SolanaClusterOptions options) : IEscrowState
{
    private readonly EscrowProgram _escrow = new(options.ProgramKey);

    public ChainId ChainId => options.Chain;

    public ChainKind Kind => ChainKind.Solana;

    public async Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken)
    {
        var account = await ReadAsync(_escrow.PoolAddress(token), "pool", cancellationToken).ConfigureAwait(false);
        return account is null ? UInt256.Zero : Decode(account, "pool", EscrowPool.Decode).Pool;
    }

    public async Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        var account = await ReadAsync(_escrow.IntentAddress(intentId), "intent", cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return EscrowIntentState.Unknown;
        }

        var intent = Decode(account, "intent", EscrowIntent.Decode);
        return intent.Status switch
        {
            EscrowIntentStatus.Open => EscrowIntentState.Open,
            EscrowIntentStatus.Released => EscrowIntentState.Released,
            EscrowIntentStatus.Refunded => EscrowIntentState.Refunded,
            _ => throw new InvalidDataException($"Chain {options.ChainId}: intent account of {intentId} has status {(byte)intent.Status}; known are 1-3."),
        };
    }

    public async Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        var account = await ReadAsync(_escrow.PaidMarkerAddress(intentId), "paid marker", cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return false;
        }

        // Decoded only to refuse an account that is not a paid marker.
        _ = Decode(account, "paid marker", data => EscrowPaidMarker.Decode(data));
        return true;
    }

    private async Task<AccountInfo?> ReadAsync(Bytes32 address, string what, CancellationToken cancellationToken)
    {
        var account = await rpc.GetAccountInfoAsync(address, options.Commitment, cancellationToken).ConfigureAwait(false);
        return account is null || account.Owner == _escrow.ProgramId
            ? account
            : throw new InvalidDataException($"Chain {options.ChainId}: the {what} account {Codec.Base58.EncodeKey(address)} is owned by {Codec.Base58.EncodeKey(account.Owner)}, not the escrow program.");
    }

    private T Decode<T>(AccountInfo account, string what, DecodeAccount<T> decode)
    {
        try
        {
            return decode(account.Data);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Chain {options.ChainId}: the escrow's {what} account is malformed: {e.Message}", e);
        }
    }

    private delegate T DecodeAccount<out T>(ReadOnlySpan<byte> data);
}
