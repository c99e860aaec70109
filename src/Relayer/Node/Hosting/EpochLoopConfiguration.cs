using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Aggregator.Margin;
using DiscreteExec.Core;
using DiscreteExec.Core.Assets;
using DiscreteExec.Core.Chains;
using DiscreteExec.Relayer.Node.Configuration;
using DiscreteExec.Relayer.Node.Epochs;

namespace DiscreteExec.Relayer.Node.Hosting;

/// <summary>The one mapping from the node's configuration to the epoch loop's options (assets by chain id, margin floors per pool).</summary>
internal static class EpochLoopConfiguration
{
    public static EpochLoopOptions From(LoadedNodeConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.Options;
        var chains = configuration.Chains.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var floors = new List<PoolFloor>();
        var assets = new List<Asset>();
        foreach (var asset in options.Assets)
        {
            var tokens = new List<AssetToken>();
            foreach (var token in asset.Tokens)
            {
                var chain = chains[token.Chain];
                var address = Token(chain.Kind, token.Token);
                tokens.Add(new AssetToken(chain.Options.Chain, address, checked((byte)token.Decimals)));
                if (token.PoolFloor > UInt256.Zero)
                {
                    floors.Add(new PoolFloor(chain.Options.Chain, address, token.PoolFloor));
                }
            }

            assets.Add(new Asset(asset.AssetId, asset.ReferencePrice, tokens));
        }

        return new EpochLoopOptions
        {
            NodeId = options.Node.NodeId,
            LeaseTimeToLive = options.Node.LeaseTimeToLive,
            PollInterval = options.Node.PollInterval,
            FeeBps = options.Clearing.FeeBps,
            SpreadBps = options.Clearing.SpreadBps,
            SettlementMarginSeconds = options.Clearing.SettlementMarginSeconds,
            Triggers = options.Epochs,
            Margin = new MarginParameters { UsableShareBps = checked((int)options.Margin.PoolShareBps), Floors = floors },
            Assets = assets,
            ChunkDeadline = options.Settlement.ChunkDeadline,
            ChunkRetries = options.Settlement.ChunkRetries,
            ChunkRetryDelay = options.Settlement.ChunkRetryDelay,
        };
    }

    /// <summary>A token as the clearing names it: an EVM address left-padded to 32 bytes, a Solana mint as its 32 bytes.</summary>
    public static Bytes32 Token(ChainKind kind, string token) => kind == ChainKind.Evm
        ? EvmAddress.Parse(token).ToBytes32()
        : Base58.DecodeKey(token);
}
