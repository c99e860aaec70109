using DiscreteExec.Core;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Chains.Rpc;

/// <summary>One chain's JSON-RPC endpoint and the chain it serves (the tags of every metric and log line about it).</summary>
public sealed record RpcEndpoint(Uri Url, ChainKind Kind, ChainId ChainId)
{
    /// <summary>The endpoint of <paramref name="options"/>'s <c>Rpc:Url</c>; throws naming the key when it is missing.</summary>
    public static RpcEndpoint Of(ChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var url = options.Rpc?.Url ?? throw new ArgumentException("Rpc:Url is required.", nameof(options));
        return new RpcEndpoint(url, options.Kind, options.Chain);
    }
}
