namespace DiscreteExec.Core.Intents;

/// <summary>
/// A user's locked intent: sell <see cref="InputAmount"/> of <see cref="InputToken"/> on the origin chain,
/// pay at least <see cref="MinOutputAmount"/> of <see cref="OutputToken"/> to <see cref="Recipient"/> on the
/// destination chain before <see cref="FillDeadline"/> (unix seconds).
/// </summary>
public sealed record Intent
{
    public required Bytes32 IntentId { get; init; }

    public required ChainId OriginChainId { get; init; }

    public required ulong DepositNonce { get; init; }

    public required Bytes32 Depositor { get; init; }

    public required Bytes32 InputToken { get; init; }

    public required UInt256 InputAmount { get; init; }

    public required ChainId DestinationChainId { get; init; }

    public required Bytes32 OutputToken { get; init; }

    public required UInt256 MinOutputAmount { get; init; }

    public required Bytes32 Recipient { get; init; }

    public required ulong FillDeadline { get; init; }
}
