using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// This node's place in an operator set of N &gt; 1 and what the epoch loop needs to propose, verify and co-sign:
/// its index and id, every operator's id by index (N of them), the threshold M, the proposal timeout, the verifier rule, every operator's signer per chain
/// (by operator index, as the chain writes it), this operator's attestor per chain, the messages heard, the bus and
/// the proposers' manifest signatures (this operator's key, every operator's address).
/// </summary>
internal sealed record OperatorSeat(
    int OwnIndex,
    string OwnId,
    IReadOnlyList<string> OperatorIds,
    int Threshold,
    TimeSpan ProposalTimeout,
    ManifestVerifier Verifier,
    IReadOnlyDictionary<ChainId, IReadOnlyList<string>> Signers,
    IReadOnlyDictionary<ChainId, IChunkAttestor> Attestors,
    IOperatorMessageStore Messages,
    IOperatorPublisher Publisher,
    ManifestSignatures Manifests)
{
    /// <summary>N: the operators in the set.</summary>
    public int Count => OperatorIds.Count;
}
