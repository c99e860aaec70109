using System.Buffers.Binary;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;

namespace DiscreteExec.Adapters.Solana.Governance;

/// <summary>
/// The escrow's attestor-set rotation (protocol v2 rule 5): a threshold of the current attestors sign one
/// ProposeSigners transaction; the set takes effect once the cluster's clock passes the activation time fixed by the
/// config's delay, when anyone sends ActivateSigners. The admin has no part in it.
/// </summary>
internal sealed class SignerSetRotation
{
    private static readonly Bytes32 ClockSysvar = Base58.DecodeKey("SysvarC1ock11111111111111111111111111111111");
    private readonly ISolanaRpc _rpc;
    private readonly SolanaClusterOptions _options;
    private readonly EscrowProgram _escrow;
    private readonly TimeProvider _time;

    public SignerSetRotation(ISolanaRpc rpc, SolanaClusterOptions options, TimeProvider? timeProvider = null)
    {
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _escrow = new EscrowProgram(options.ProgramKey);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Sends the proposal signed by <paramref name="currentAttestors"/> (at least the current threshold); returns the pending set.</summary>
    /// <exception cref="SolanaTransactionException">The program refused it (e.g. BelowThreshold, SignerNotRegistered).</exception>
    public async Task<PendingSignerSet> ProposeAsync(
        ITransactionSigner payer, IReadOnlyList<ITransactionSigner> currentAttestors, byte threshold, IReadOnlyList<Bytes32> signers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(currentAttestors);
        var instruction = _escrow.ProposeSigners([.. currentAttestors.Select(a => a.PublicKey)], threshold, signers);
        await SendAsync(payer, currentAttestors, instruction, cancellationToken).ConfigureAwait(false);
        return (await ConfigAsync(cancellationToken).ConfigureAwait(false)).PendingSigners
            ?? throw new InvalidOperationException("The proposal landed but the config shows no pending signer set.");
    }

    /// <summary>
    /// Waits (polling the cluster's Clock sysvar every <see cref="DiscreteExec.Core.Chains.ChainOptions.PollInterval"/>) until the pending
    /// set's activation time, then activates it; returns the new config.
    /// </summary>
    public async Task<EscrowConfig> ActivateWhenDueAsync(ITransactionSigner payer, CancellationToken cancellationToken)
    {
        var pending = (await ConfigAsync(cancellationToken).ConfigureAwait(false)).PendingSigners
            ?? throw new InvalidOperationException("No signer set is pending activation.");
        while (await ClusterTimeAsync(cancellationToken).ConfigureAwait(false) < pending.ActivatesAt)
        {
            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }

        await SendAsync(payer, [], _escrow.ActivateSigners(), cancellationToken).ConfigureAwait(false);
        return await ConfigAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The cluster's unix time, from the Clock sysvar (what the program compares with).</summary>
    public async Task<long> ClusterTimeAsync(CancellationToken cancellationToken)
    {
        var clock = await _rpc.GetAccountInfoAsync(ClockSysvar, _options.Commitment, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The cluster does not serve the Clock sysvar account.");
        return BinaryPrimitives.ReadInt64LittleEndian(clock.Data.AsSpan(32));
    }

    public async Task<EscrowConfig> ConfigAsync(CancellationToken cancellationToken) =>
        EscrowConfig.Decode((await _rpc.GetAccountInfoAsync(_escrow.Config, _options.Commitment, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The escrow is not initialized (no config account).")).Data);

    private async Task SendAsync(ITransactionSigner payer, IReadOnlyList<ITransactionSigner> cosigners, Instruction instruction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payer);
        var blockhash = await _rpc.GetLatestBlockhashAsync(_options.Commitment, cancellationToken).ConfigureAwait(false);
        var message = MessageCompiler.Compile(payer.PublicKey, [instruction], blockhash.Blockhash);
        var bytes = message.Serialize();
        var signers = cosigners.Prepend(payer).DistinctBy(s => s.PublicKey).ToDictionary(s => s.PublicKey);
        var signatures = new byte[message.Header.RequiredSignatures][];
        for (var i = 0; i < signatures.Length; i++)
        {
            signatures[i] = await signers[message.StaticAccountKeys[i]].SignAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        var transaction = Transaction.FromSignatures(message, signatures);
        await _rpc.SendTransactionAsync(transaction.Serialize(), new SendOptions(PreflightCommitment: Commitment.Confirmed), cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var status = (await _rpc.GetSignatureStatusesAsync([transaction.Id], cancellationToken).ConfigureAwait(false))[0];
            if (status?.Error is { } error)
            {
                throw new InvalidOperationException($"Transaction {transaction.Id} failed: {error}");
            }

            if (status?.ConfirmationStatus >= _options.Commitment)
            {
                return;
            }

            if (await _rpc.GetBlockHeightAsync(Commitment.Confirmed, cancellationToken).ConfigureAwait(false) > blockhash.LastValidBlockHeight)
            {
                throw new InvalidOperationException($"Transaction {transaction.Id} expired unconfirmed; nothing changed, send it again.");
            }

            await Task.Delay(_options.ConfirmPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
