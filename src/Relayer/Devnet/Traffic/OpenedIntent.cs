using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Devnet.Traffic;

/// <summary>
/// One intent the traffic generator opened, as its depositor set it up: where it was opened and where it pays, who
/// deposited and who receives, the amounts (native units of its input and output tokens), its fill deadline (unix
/// seconds) and the fate its parameters were chosen for.
/// </summary>
internal sealed record OpenedIntent(
    Bytes32 IntentId,
    ChainId Origin,
    ChainId Destination,
    Bytes32 Depositor,
    Bytes32 Recipient,
    Bytes32 InputToken,
    UInt256 InputAmount,
    Bytes32 OutputToken,
    UInt256 MinOutput,
    ulong Deadline,
    ExpectedFate Expected);
