using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;

namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>The escrow's signer-set state: the current version, threshold and activation delay, and any pending proposal.</summary>
internal sealed record SignerSetState(ulong Version, byte Threshold, ulong DelaySeconds, PendingSignerSet Pending);

/// <summary>
/// The signer-set rotation flow of protocol v2 (rule 5): a threshold of the CURRENT signers signs
/// <c>SignerSet(version, signers, threshold, activatesAt)</c>, anyone submits <c>proposeSignerSet</c>, and once
/// <c>activatesAt</c> (at least the escrow's delay away) has passed anyone calls <c>activateSignerSet</c>. The owner
/// has no part in it. Of the signers given, only those in the current set sign, and only as many as the threshold.
/// </summary>
public sealed class SignerSetRotation
{
    /// <summary>Added to the earliest activation time so that the proposal still qualifies when it is mined a little later.</summary>
    public static readonly TimeSpan InclusionMargin = TimeSpan.FromMinutes(5);

    private readonly IEvmRpc _rpc;
    private readonly TransactionSender _sender;
    private readonly IReadOnlyList<ILegSigner> _signers;
    private readonly EvmChainOptions _options;
    private readonly TimeProvider _time;

    public SignerSetRotation(IEvmRpc rpc, TransactionSender sender, IEnumerable<ILegSigner> signers, EvmChainOptions options, TimeProvider time)
    {
        _rpc = rpc ?? throw new ArgumentNullException(nameof(rpc));
        _sender = sender ?? throw new ArgumentNullException(nameof(sender));
        _signers = signers?.ToArray() ?? throw new ArgumentNullException(nameof(signers));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
    }

    internal async Task<SignerSetState> ReadAsync(CancellationToken cancellationToken)
    {
        var version = await UIntAsync(IntentEscrowAbi.SignerSetVersion(), cancellationToken).ConfigureAwait(false);
        var threshold = await UIntAsync(IntentEscrowAbi.Threshold(), cancellationToken).ConfigureAwait(false);
        var delay = await UIntAsync(IntentEscrowAbi.SignerSetDelaySeconds(), cancellationToken).ConfigureAwait(false);
        var pending = IntentEscrowAbi.DecodePendingSignerSet(await CallAsync(IntentEscrowAbi.PendingSignerSet(), cancellationToken).ConfigureAwait(false));
        return new SignerSetState(version, (byte)threshold, delay, pending);
    }

    /// <summary>
    /// Proposes <paramref name="signers"/> (any order; sent ascending) with <paramref name="threshold"/> as the next
    /// version, activating at the latest block's time + the escrow's delay + <see cref="InclusionMargin"/>.
    /// Returns what was proposed once the transaction is confirmed.
    /// </summary>
    public async Task<SignerSetToSign> ProposeAsync(IReadOnlyList<EvmAddress> signers, byte threshold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signers);
        var state = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var head = await _rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false)
            ?? throw new ChunkSubmissionException("The node returned no latest block.");
        var activatesAt = head.Timestamp + state.DelaySeconds + (ulong)InclusionMargin.TotalSeconds;
        // Every proposal takes a version above all earlier ones (a superseded proposal can never be replayed).
        var nextVersion = await UIntAsync(IntentEscrowAbi.NextSignerSetVersion(), cancellationToken).ConfigureAwait(false);
        var proposal = new SignerSetToSign(
            _options.Chain, _options.Escrow, nextVersion, [.. signers.OrderBy(a => a.ToLowerHex(), StringComparer.Ordinal)], threshold, activatesAt);

        var signatures = await CollectAsync(proposal, state.Threshold, cancellationToken).ConfigureAwait(false);
        await SendAsync(IntentEscrowAbi.ProposeSignerSet(proposal.Version, proposal.Signers, proposal.Threshold, proposal.ActivatesAt, signatures), "proposeSignerSet", cancellationToken).ConfigureAwait(false);
        return proposal;
    }

    /// <summary>Makes the pending set current; refuses (naming the time) when nothing is pending or it is not due yet.</summary>
    public async Task<ulong> ActivateAsync(CancellationToken cancellationToken)
    {
        var state = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (state.Pending.Version == 0)
        {
            throw new ChunkSubmissionException($"Chain {_options.ChainId}: no signer set is pending on escrow {_options.Escrow}.");
        }

        var head = await _rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false);
        if (head is null || head.Timestamp + 1 < state.Pending.ActivatesAt)
        {
            throw new ChunkSubmissionException($"Chain {_options.ChainId}: signer set {state.Pending.Version} activates at {state.Pending.ActivatesAt}; the chain is at {head?.Timestamp}.");
        }

        await SendAsync(IntentEscrowAbi.ActivateSignerSet(), "activateSignerSet", cancellationToken).ConfigureAwait(false);
        return state.Pending.Version;
    }

    /// <summary>
    /// Waits until the chain's latest block reaches the pending set's <c>activatesAt</c> (polling every
    /// <see cref="DiscreteExec.Core.Chains.ChainOptions.PollInterval"/> on the injected clock), then activates it. Returns the new version.
    /// </summary>
    public async Task<ulong> ActivateWhenDueAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var state = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (state.Pending.Version == 0)
            {
                throw new ChunkSubmissionException($"Chain {_options.ChainId}: no signer set is pending on escrow {_options.Escrow}.");
            }

            var head = await _rpc.GetBlockAsync(BlockTag.Latest, cancellationToken).ConfigureAwait(false);
            if (head is not null && head.Timestamp + 1 >= state.Pending.ActivatesAt)
            {
                await SendAsync(IntentEscrowAbi.ActivateSignerSet(), "activateSignerSet", cancellationToken).ConfigureAwait(false);
                return state.Pending.Version;
            }

            await Task.Delay(_options.PollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<byte[][]> CollectAsync(SignerSetToSign proposal, byte threshold, CancellationToken cancellationToken)
    {
        var current = new List<ILegSigner>();
        foreach (var signer in _signers)
        {
            if (current.Count < threshold && IntentEscrowAbi.DecodeBool(await CallAsync(IntentEscrowAbi.IsSigner(signer.Address), cancellationToken).ConfigureAwait(false)))
            {
                current.Add(signer);
            }
        }

        if (current.Count < threshold)
        {
            throw new ChunkSubmissionException($"Chain {_options.ChainId}: signer set {proposal.Version} needs {threshold} signatures of the current set; only {current.Count} of the given signers belong to it.");
        }

        var digest = proposal.Digest().ToArray();
        var signatures = new byte[current.Count][];
        for (var i = 0; i < current.Count; i++)
        {
            var signature = await current[i].SignAsync(proposal, cancellationToken).ConfigureAwait(false);
            if (EvmAddress.FromPublicKey(Secp256k1.Recover(digest, signature)) != current[i].Address)
            {
                throw new ChunkSubmissionException($"Chain {_options.ChainId}: signer {current[i].Address} returned a signer-set signature for something else.");
            }

            signatures[i] = Secp256k1.NormalizeLowS(signature).ToRsv();
        }

        return signatures;
    }

    private async Task SendAsync(byte[] data, string what, CancellationToken cancellationToken)
    {
        ulong estimate;
        try
        {
            estimate = await _rpc.EstimateGasAsync(new CallRequest(_options.Escrow, data) { From = _sender.Account }, cancellationToken).ConfigureAwait(false);
        }
        catch (EvmRevertException e)
        {
            throw new ChunkSubmissionException($"Chain {_options.ChainId}: {what} would revert: {e.Message}", e) { ErrorName = e.ErrorName };
        }

        var outcome = await _sender.SendAsync(_options.Escrow, data, (estimate * 5 / 4) + 10_000, cancellationToken).ConfigureAwait(false);
        if (outcome.Receipt is not { Succeeded: true })
        {
            throw new ChunkSubmissionException($"Chain {_options.ChainId}: {what} was not applied (nonce {outcome.Nonce}).");
        }
    }

    private Task<byte[]> CallAsync(byte[] data, CancellationToken cancellationToken) =>
        _rpc.CallAsync(new CallRequest(_options.Escrow, data), BlockTag.Latest, cancellationToken);

    private async Task<ulong> UIntAsync(byte[] data, CancellationToken cancellationToken) =>
        IntentEscrowAbi.DecodeUInt256(await CallAsync(data, cancellationToken).ConfigureAwait(false)).AsUInt64;
}
