using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>The node-level rules of <see cref="NodeOptions"/> (the adapters validate their own sections); each failure names its key.</summary>
internal static class NodeOptionsValidator
{
    public static void Validate(NodeOptions options, Func<string, string?> environment, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(options);
        AnnotationChecks.Validate(options.Node, "Node", failures);
        ValidateChains(options.Chains, environment, failures);
        ValidateAssets(options, failures);
        ValidatePriceFeed(options.PriceFeed, failures);
        ValidateEpochs(options, failures);
        AnnotationChecks.Validate(options.Clearing, "Clearing", failures);
        AnnotationChecks.Validate(options.Margin, "Margin", failures);
        AnnotationChecks.Validate(options.Settlement, "Settlement", failures);
        ApiOptions.Validate(options.Api, failures);
        TelemetryOptions.Validate(options.Telemetry, environment, failures);
        OperatorSetValidator.Validate(options.OperatorSet, options.Chains, failures);
    }

    private static void ValidateChains(List<NodeChainOptions> chains, Func<string, string?> environment, List<string> failures)
    {
        if (chains.Count == 0)
        {
            failures.Add("Chains: required (at least one chain).");
        }

        for (var i = 0; i < chains.Count; i++)
        {
            var chain = chains[i];
            var path = $"Chains:{i}";
            AnnotationChecks.Validate(chain, path, failures);
            if (chains.Take(i).Any(c => c.Name == chain.Name) && chain.Name.Length > 0)
            {
                failures.Add($"{path}:Name: '{chain.Name}' is used by an earlier chain.");
            }

            if (chains.Take(i).Any(c => c.ChainId == chain.ChainId) && chain.ChainId != 0)
            {
                failures.Add($"{path}:ChainId: {chain.ChainId} is used by an earlier chain.");
            }

            KeySource.Check(chain.Keys.Submitter, $"{path}:Keys:Submitter", environment, failures);
            if (chain.Keys.Attestors.Count == 0)
            {
                failures.Add($"{path}:Keys:Attestors: required (at least one of the operator's signer keys).");
            }

            for (var a = 0; a < chain.Keys.Attestors.Count; a++)
            {
                KeySource.Check(chain.Keys.Attestors[a], $"{path}:Keys:Attestors:{a}", environment, failures);
            }
        }
    }

    private static void ValidateAssets(NodeOptions options, List<string> failures)
    {
        if (options.Assets.Count == 0)
        {
            failures.Add("Assets: required (at least one asset).");
        }

        var needsConfiguredPrice = options.PriceFeed.Kind is PriceFeedKind.Static or PriceFeedKind.RandomWalk;
        for (var i = 0; i < options.Assets.Count; i++)
        {
            var asset = options.Assets[i];
            var path = $"Assets:{i}";
            AnnotationChecks.Validate(asset, path, failures);
            if (options.Assets.Take(i).Any(a => a.AssetId == asset.AssetId) && asset.AssetId.Length > 0)
            {
                failures.Add($"{path}:AssetId: '{asset.AssetId}' is used by an earlier asset.");
            }

            if (needsConfiguredPrice && asset.ReferencePrice.IsZero)
            {
                failures.Add($"{path}:ReferencePrice: required by the {options.PriceFeed.Kind} price feed (numeraire per whole token, scaled 1e18).");
            }

            if (asset.Tokens.Count == 0)
            {
                failures.Add($"{path}:Tokens: required (the asset's token on at least one chain).");
            }

            for (var t = 0; t < asset.Tokens.Count; t++)
            {
                ValidateToken(asset.Tokens[t], $"{path}:Tokens:{t}", options.Chains, failures);
            }
        }
    }

    private static void ValidateToken(AssetTokenOptions token, string path, List<NodeChainOptions> chains, List<string> failures)
    {
        AnnotationChecks.Validate(token, path, failures);
        if (token.Chain.Length == 0 || token.Token.Length == 0)
        {
            return;
        }

        var chain = chains.FirstOrDefault(c => c.Name == token.Chain);
        if (chain is null)
        {
            failures.Add($"{path}:Chain: '{token.Chain}' is not the name of a configured chain.");
        }
        else if (chain.Kind == ChainKind.Evm && !EvmAddress.TryParse(token.Token, out _))
        {
            failures.Add($"{path}:Token: '{token.Token}' is not a 0x-prefixed 20-byte address with a valid EIP-55 checksum.");
        }
        else if (chain.Kind == ChainKind.Solana && !Base58.TryDecodeKey(token.Token, out _))
        {
            failures.Add($"{path}:Token: '{token.Token}' is not a base58 32-byte mint address.");
        }
    }

    private static void ValidatePriceFeed(PriceFeedOptions feed, List<string> failures)
    {
        AnnotationChecks.Validate(feed, "PriceFeed", failures);
        if (feed.Kind == PriceFeedKind.RandomWalk)
        {
            AnnotationChecks.Validate(feed.RandomWalk, "PriceFeed:RandomWalk", failures);
        }
        else if (feed.Kind == PriceFeedKind.Http)
        {
            AnnotationChecks.Validate(feed.Http, "PriceFeed:Http", failures);
            if (feed.Http.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                failures.Add("PriceFeed:Http:Url: required (an absolute http or https URL).");
            }
        }
    }

    private static void ValidateEpochs(NodeOptions options, List<string> failures)
    {
        var before = failures.Count;
        AnnotationChecks.Validate(options.Epochs, "Epochs", failures);
        if (failures.Count > before)
        {
            return;
        }

        try
        {
            // The Aggregator's own cross-field rules; its messages already name the Epochs key.
            options.Epochs.Validate();
        }
        catch (ArgumentException ex)
        {
            failures.Add(ex.Message);
        }
    }
}
