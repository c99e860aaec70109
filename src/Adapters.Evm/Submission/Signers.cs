using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Transactions;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Evm.Submission;

/// <summary>
/// What a signer is asked to attest: one chunk of a leg, with everything needed to recompute its digest, and the
/// escrow's current signer-set version (a signature naming another version is refused on-chain).
/// </summary>
public sealed record LegChunkToSign(
    ChainId ChainId,
    EvmAddress Escrow,
    ulong EpochId,
    uint Chunk,
    Bytes32 BatchRoot,
    IReadOnlyList<SettlementAction> Actions,
    ulong SignerSetVersion)
{
    /// <summary>keccak256 of the chunk's leaves (docs/ARCHITECTURE.md, "Identifiers and byte formats").</summary>
    public Bytes32 ChunkHash() => SettlementLeaf.ChunkHash(SettlementLeaf.Hashes(ChainId, EpochId, Actions));

    /// <summary>The EIP-712 digest of <c>Leg(epochId, chunk, chunkHash, batchRoot, signerSetVersion)</c> for this escrow.</summary>
    public Bytes32 Digest() => Eip712LegDigest.Compute(ChainId, Escrow, EpochId, Chunk, ChunkHash(), BatchRoot, SignerSetVersion);
}

/// <summary>What a current signer is asked to approve: the escrow's next signer set (signers ascending).</summary>
public sealed record SignerSetToSign(
    ChainId ChainId,
    EvmAddress Escrow,
    ulong Version,
    IReadOnlyList<EvmAddress> Signers,
    byte Threshold,
    ulong ActivatesAt)
{
    /// <summary>The EIP-712 digest of <c>SignerSet(version, signers, threshold, activatesAt)</c> for this escrow.</summary>
    public Bytes32 Digest() => Eip712SignerSetDigest.Compute(ChainId, Escrow, Version, Signers, Threshold, ActivatesAt);
}

/// <summary>A relayer operator's attestation key (local now; a remote signer service implements the same).</summary>
public interface ILegSigner
{
    EvmAddress Address { get; }

    /// <summary>
    /// Signs the chunk's EIP-712 digest. A remote signer should recompute the chunk from chain data before signing;
    /// it is given the actions, not just a digest, for that reason.
    /// </summary>
    Task<EcdsaSignature> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken);

    /// <summary>Signs a proposed signer set (an operator decision; a remote signer should ask for approval).</summary>
    Task<EcdsaSignature> SignAsync(SignerSetToSign signerSet, CancellationToken cancellationToken);
}

/// <summary>
/// Thrown by a remote <see cref="ILegSigner"/> that holds no signature for a chunk (yet): the submitter leaves that
/// signer out and sends the others' signatures when they reach the escrow's threshold.
/// </summary>
public sealed class LegSignatureUnavailableException(string message) : Exception(message);

/// <summary>Signs legs with a key held in this process.</summary>
public sealed class LocalLegSigner : ILegSigner
{
    private readonly EvmKey _key;

    public LocalLegSigner(EvmKey key)
    {
        _key = key ?? throw new ArgumentNullException(nameof(key));
    }

    public EvmAddress Address => _key.Address;

    public Task<EcdsaSignature> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_key.SignHash(chunk.Digest().ToArray()));
    }

    public Task<EcdsaSignature> SignAsync(SignerSetToSign signerSet, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(signerSet);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_key.SignHash(signerSet.Digest().ToArray()));
    }
}

/// <summary>The account that sends settle transactions and pays their gas.</summary>
public interface ITransactionSigner
{
    EvmAddress Address { get; }

    Task<SignedTransaction> SignAsync(Eip1559Transaction transaction, CancellationToken cancellationToken);
}

/// <summary>A relayer account whose key is held in this process.</summary>
public sealed class LocalTransactionSigner : ITransactionSigner
{
    private readonly EvmKey _key;

    public LocalTransactionSigner(EvmKey key)
    {
        _key = key ?? throw new ArgumentNullException(nameof(key));
    }

    public EvmAddress Address => _key.Address;

    public Task<SignedTransaction> SignAsync(Eip1559Transaction transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(transaction.Sign(_key));
    }
}
