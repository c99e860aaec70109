using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.CoSigning;

/// <summary>A co-signer's answer: its signature of the message, or why it refused (exactly one is set).</summary>
public sealed record CoSignAnswer(byte[]? Signature, string? Refusal);

/// <summary>
/// This operator's side of co-signing: signs another operator's settle message with its own attestor key only when
/// <see cref="SettleCoSignCheck"/> finds it is exactly the settle of the chunk this operator attested. A v0 message's
/// lookup table is read from this operator's own RPC (an address lookup table's entries never change once written).
/// </summary>
public sealed class SettleCoSigner
{
    private readonly ISolanaRpc _rpc;
    private readonly SolanaClusterOptions _options;
    private readonly ITransactionSigner _own;
    private readonly IReadOnlyCollection<Bytes32> _operatorSigners;
    private readonly EscrowProgram _escrow;

    /// <summary><paramref name="operatorSigners"/>: every operator's signer key on this chain, as configured (this one's included).</summary>
    public SettleCoSigner(ISolanaRpc rpc, SolanaClusterOptions options, ITransactionSigner own, IReadOnlyCollection<Bytes32> operatorSigners)
    {
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _own = own ?? throw new ArgumentNullException(nameof(own));
        _operatorSigners = operatorSigners ?? throw new ArgumentNullException(nameof(operatorSigners));
        _escrow = new EscrowProgram(options.ProgramKey);
    }

    public Bytes32 PublicKey => _own.PublicKey;

    public Bytes32 ProgramId => _escrow.ProgramId;

    /// <summary>Signs <paramref name="message"/> if it settles exactly <paramref name="attested"/>, the chunk this operator attested.</summary>
    public async Task<CoSignAnswer> SignAsync(ReadOnlyMemory<byte> message, SettlementChunk attested, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attested);
        if (attested.ChainId != _options.Chain)
        {
            return new CoSignAnswer(null, $"the chunk is on chain {attested.ChainId}, this co-signer signs for chain {_options.Chain}");
        }

        AddressLookupTable? table = null;
        Message parsed;
        try
        {
            parsed = Message.Deserialize(message.Span);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return new CoSignAnswer(null, $"not a well-formed transaction message ({ex.Message})");
        }

        if (parsed.AddressTableLookups.Count == 1)
        {
            var address = parsed.AddressTableLookups[0].TableAddress;
            var account = await _rpc.GetAccountInfoAsync(address, _options.Commitment, cancellationToken).ConfigureAwait(false);
            if (account is null || account.Owner != AddressLookupTableProgram.ProgramId)
            {
                return new CoSignAnswer(null, $"its lookup table {Base58.EncodeKey(address)} is not an address lookup table on chain");
            }

            try
            {
                table = new AddressLookupTable(address, LookupTableState.Decode(account.Data).Addresses);
            }
            catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                return new CoSignAnswer(null, $"its lookup table {Base58.EncodeKey(address)} does not decode ({ex.Message})");
            }
        }

        if (SettleCoSignCheck.Refusal(message.Span, attested, _escrow, _own.PublicKey, _operatorSigners, table) is { } refusal)
        {
            return new CoSignAnswer(null, refusal);
        }

        return new CoSignAnswer(await _own.SignAsync(message, cancellationToken).ConfigureAwait(false), null);
    }
}
