using System.ComponentModel.DataAnnotations;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>
/// The operators that co-sign each epoch (M of N) and this node's place among them. Left empty, the node is the only
/// operator (N = 1, M = 1): its configured attestor keys sign every chunk, as a single-operator deployment does.
/// </summary>
internal sealed class OperatorSetOptions
{
    public const string SectionName = "OperatorSet";

    /// <summary>Every operator in the escrows' signer sets, in the order that fixes the proposer rotation (epoch k: index k mod N).</summary>
    public List<OperatorOptions> Operators { get; set; } = [];

    /// <summary>This node's operator: an index into <see cref="Operators"/>.</summary>
    [Range(0, 63)]
    public int OwnIndex { get; set; }

    /// <summary>Signatures an escrow needs per chunk (M); more than half of the operators (crash safety).</summary>
    [Range(1, 64)]
    public int Threshold { get; set; } = 1;

    /// <summary>How long the verifiers wait for epoch k's proposer before the next index proposes (measured on the node's TimeProvider).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ProposalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a Solana submitter waits for the other operators' co-signatures of one settle message (a fresh
    /// blockhash each attempt) before it asks others; at most 20 s, well under the blockhash's lifetime (60–90 s), so
    /// the signatures it waits for are still valid when it sends.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:20")]
    public TimeSpan CoSignTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How far a manifest's close time may be from the verifier's own clock (either way); unset: twice
    /// <see cref="ProposalTimeout"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan? ClosesAtTolerance { get; set; }

    /// <summary>The close-time tolerance in force: <see cref="ClosesAtTolerance"/>, or twice <see cref="ProposalTimeout"/>.</summary>
    public TimeSpan EffectiveClosesAtTolerance => ClosesAtTolerance ?? (ProposalTimeout * 2);

    /// <summary>How far a manifest's reference price may be from the verifier's own feed, in basis points of its own price.</summary>
    [Range(0u, 10_000u)]
    public uint PriceToleranceBps { get; set; } = 50;

    /// <summary>N: the configured operators, or 1 when none are (the node alone).</summary>
    public int Count => Math.Max(1, Operators.Count);

    /// <summary>True when other operators co-sign: this node signs only with its own keys and collects the rest on the bus.</summary>
    public bool IsShared => Operators.Count > 1;
}

/// <summary>One operator: its name and its signer in each chain's escrow.</summary>
internal sealed class OperatorOptions
{
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9-]{0,62}$", ErrorMessage = "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")]
    public string Id { get; set; } = string.Empty;

    /// <summary>The operator's signer per chain: one entry for every configured chain.</summary>
    public List<OperatorSignerOptions> Signers { get; set; } = [];
}

/// <summary>An operator's public signer on one chain: an EVM address (0x, EIP-55) or a Solana public key (base58).</summary>
internal sealed class OperatorSignerOptions
{
    /// <summary>The chain's <see cref="NodeChainOptions.Name"/>.</summary>
    [Required]
    public string Chain { get; set; } = string.Empty;

    [Required]
    public string Address { get; set; } = string.Empty;
}
