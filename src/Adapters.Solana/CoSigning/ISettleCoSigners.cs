using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.CoSigning;

/// <summary>
/// The other operators of a set, as the Solana chunk submitter's co-signers: each settle transaction carries this
/// node's own attestor and <see cref="Needed"/> others, who sign the exact message (fresh blockhash included) when
/// asked. An operator that does not answer in time is asked after the others on the next, rebuilt, attempt.
/// </summary>
public interface ISettleCoSigners
{
    /// <summary>How many other operators must co-sign each settle (the escrow's threshold minus this node's own attestor).</summary>
    int Needed { get; }

    /// <summary>The other operators' signer keys, in the order to ask them for <paramref name="chunk"/> (those known to have attested it first).</summary>
    Task<IReadOnlyList<Bytes32>> CandidatesAsync(SettlementChunk chunk, CancellationToken cancellationToken);

    /// <summary>
    /// Asks <paramref name="coSigners"/> to sign <paramref name="message"/> (the serialized settle message of
    /// <paramref name="chunk"/>) and returns the signatures that came back within a bounded wait, by signer key (the
    /// submitter verifies each). Fewer than asked means some did not answer or refused.
    /// </summary>
    Task<IReadOnlyDictionary<Bytes32, byte[]>> RequestAsync(SettlementChunk chunk, ReadOnlyMemory<byte> message, IReadOnlyList<Bytes32> coSigners, CancellationToken cancellationToken);

    /// <summary>
    /// Whether this node's own attestors sign <paramref name="chunk"/>'s settle. False when the node follows a root it
    /// did not choose (one a threshold of the others attested): its attestors then stay out of the transaction and
    /// <see cref="Needed"/> + 1 others co-sign it, so the node never signs a second root. True by default.
    /// </summary>
    Task<bool> OwnAttestorsSignAsync(SettlementChunk chunk, CancellationToken cancellationToken) => Task.FromResult(true);
}
