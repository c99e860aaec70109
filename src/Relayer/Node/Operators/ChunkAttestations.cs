using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>What became of one <see cref="LegAttested"/> handed to <see cref="ChunkAttestations"/>.</summary>
internal enum AttestationOutcome
{
    /// <summary>Counted; the chunk has not reached the threshold yet.</summary>
    Counted,

    /// <summary>Counted, and with it the chunk holds a threshold of signatures: submit it.</summary>
    ThresholdReached,

    /// <summary>The same operator's signature for this chunk was already counted (a redelivery).</summary>
    Duplicate,

    /// <summary>Not counted: the signer is no operator's signer on the chain, or it signed another digest or root, or the signature does not verify.</summary>
    Refused,
}

/// <summary>
/// Collects the operators' signatures of one chunk (one epoch, chain, chunk index and digest) until a threshold of
/// distinct operators signed it. Only signatures of a configured operator's signer on that chain over the expected
/// digest and root count; an EVM signature must recover to its signer's address. The signatures come out in
/// operator order, which is what a submitter sends.
/// </summary>
internal sealed class ChunkAttestations
{
    private readonly IReadOnlyList<string> _signers;
    private readonly Func<LegAttested, string, bool> _verifies;
    private readonly SortedDictionary<int, LegAttested> _counted = [];

    /// <summary>
    /// A collector for one chunk: <paramref name="signers"/> holds each operator's signer on the chunk's chain by
    /// operator index (as the chain writes it); <paramref name="verifies"/> says whether a signature over the digest
    /// is the named signer's (see <see cref="EvmSignatureVerifies"/>).
    /// </summary>
    public ChunkAttestations(ulong epochId, ChainId chainId, uint chunk, Bytes32 batchRoot, Bytes32 digest, IReadOnlyList<string> signers, int threshold, Func<LegAttested, string, bool> verifies)
    {
        ArgumentNullException.ThrowIfNull(signers);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(threshold, signers.Count);
        (EpochId, ChainId, Chunk, BatchRoot, Digest, Threshold) = (epochId, chainId, chunk, batchRoot, digest, threshold);
        _signers = signers;
        _verifies = verifies ?? throw new ArgumentNullException(nameof(verifies));
    }

    public ulong EpochId { get; }

    public ChainId ChainId { get; }

    public uint Chunk { get; }

    public Bytes32 BatchRoot { get; }

    public Bytes32 Digest { get; }

    public int Threshold { get; }

    public bool HasThreshold => _counted.Count >= Threshold;

    /// <summary>The operator indices of the counted attestations, in order.</summary>
    public IReadOnlyCollection<int> CountedOperators => _counted.Keys;

    /// <summary>The counted attestations in operator order.</summary>
    public IReadOnlyList<LegAttested> Counted => [.. _counted.Values];

    public AttestationOutcome Add(LegAttested attestation)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        var index = IndexOf(attestation.Signer);
        if (index < 0 || attestation.EpochId != EpochId || attestation.ChainId != ChainId || attestation.Chunk != Chunk
            || attestation.Digest != Digest || attestation.BatchRoot != BatchRoot || !_verifies(attestation, _signers[index]))
        {
            return AttestationOutcome.Refused;
        }

        if (_counted.ContainsKey(index))
        {
            return AttestationOutcome.Duplicate;
        }

        var before = HasThreshold;
        _counted.Add(index, attestation);
        return HasThreshold && !before ? AttestationOutcome.ThresholdReached : AttestationOutcome.Counted;
    }

    /// <summary>An EVM attestation verifies when its 65-byte r‖s‖v signature over the digest has a low s and recovers to the signer's address.</summary>
    public static bool EvmSignatureVerifies(LegAttested attestation, string signer)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        if (attestation.Signature is not { Length: 65 } || !EvmAddress.TryParse(signer, out var expected))
        {
            return false;
        }

        try
        {
            // Low s only, as the escrow takes it: a high-s twin recovers the same signer but would be reverted on chain.
            var signature = EcdsaSignature.FromRsv(attestation.Signature);
            return Secp256k1.IsLowS(signature) && EvmAddress.FromPublicKey(Secp256k1.Recover(attestation.Digest.ToArray(), signature)) == expected;
        }
        catch (ArgumentException)
        {
            return false; // not a point on the curve: a forged or corrupted signature
        }
    }

    private int IndexOf(string signer)
    {
        for (var i = 0; i < _signers.Count; i++)
        {
            if (string.Equals(_signers[i], signer, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }
}
