using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>
/// The chains this node watches: an intake message naming another chain is malformed. <see cref="Any"/> (the default
/// <see cref="NodeBus.AddNodeBus"/> registers) accepts every chain; the node's composition registers its configured chains.
/// </summary>
internal sealed class IntakeChains
{
    private readonly HashSet<ChainId>? _chainIds;

    private IntakeChains(HashSet<ChainId>? chainIds) => _chainIds = chainIds;

    public static IntakeChains Any { get; } = new(null);

    public static IntakeChains Of(IEnumerable<ChainId> chainIds) => new([.. chainIds]);

    public bool Contains(ChainId chainId) => _chainIds is null || _chainIds.Contains(chainId);
}
