using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm;

/// <summary>
/// The adapter's entry point: one per configured EVM chain. <see cref="Connect"/> validates the options, reads the
/// keys they name, and builds the JSON-RPC client, the watcher, the chunk submitter and the escrow state reader.
/// </summary>
public sealed class EvmChain : IChainAdapter
{
    private EvmChain(EvmChainOptions options, IEvmRpc rpc, IChainWatcher watcher, IChunkSubmitter submitter, IEscrowState state)
    {
        Options = options;
        Rpc = rpc;
        Watcher = watcher;
        Submitter = submitter;
        State = state;
    }

    public ChainKind Kind => ChainKind.Evm;

    public ChainId ChainId => Options.Chain;

    public EvmChainOptions Options { get; }

    public IEvmRpc Rpc { get; }

    public IChainWatcher Watcher { get; }

    public IChunkSubmitter Submitter { get; }

    public IEscrowState State { get; }

    /// <summary>
    /// Builds the parts of the chain configured at <paramref name="sectionName"/> (the prefix of every error message) over
    /// the host's shared <paramref name="httpClient"/> (its timeout
    /// should be infinite: each attempt's timeout comes from <c>Rpc:AttemptTimeout</c>). The watcher keeps its checkpoint
    /// in <paramref name="checkpoints"/>, by default the file at <c>CheckpointPath</c>. <c>Payer</c> (hex private key)
    /// sends settle transactions; <c>Signers</c> (hex private keys) attest chunks, and <paramref name="coSigners"/> (other
    /// operators' signatures collected elsewhere) are asked after them. <paramref name="ownSigner"/>, when given, wraps
    /// each local signer key before the submitter uses it (an operator set's guard that signs only its chosen root).
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; every message names its key.</exception>
    /// <exception cref="InvalidOperationException">A key is missing or unreadable; the message names it.</exception>
    public static EvmChain Connect(
        string sectionName,
        EvmChainOptions options,
        HttpClient httpClient,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        ICheckpointStore<WatcherCheckpoint>? checkpoints = null,
        IReadOnlyList<ILegSigner>? coSigners = null,
        Func<ILegSigner, ILegSigner>? ownSigner = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(sectionName);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(httpClient);
        options.Validate(sectionName);
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var time = timeProvider ?? TimeProvider.System;
        var payer = new LocalTransactionSigner(ReadKey(options.Payer, $"{sectionName}:{nameof(options.Payer)}"));
        var signers = options.Signers.Select((source, i) => (ILegSigner)new LocalLegSigner(ReadKey(source, $"{sectionName}:{nameof(options.Signers)}:{i}")))
            .Select(signer => ownSigner?.Invoke(signer) ?? signer).ToArray();
        if (signers.Length == 0)
        {
            throw new InvalidOperationException($"{sectionName}:{nameof(options.Signers)}: at least one signer key is needed to attest chunks.");
        }

        var rpc = CreateQuorumRpc(options, httpClient, time, loggers);
        var breach = new FinalityBreach();
        var watcher = new EscrowWatcher(rpc, options, checkpoints ?? new JsonFileCheckpointStore<WatcherCheckpoint>(options.EffectiveCheckpointPath), time, loggers.CreateLogger<EscrowWatcher>(), breach);
        var sender = new TransactionSender(rpc, payer, options, time, loggers.CreateLogger<TransactionSender>());
        var submitter = new ChunkSubmitter(rpc, sender, [.. signers, .. coSigners ?? []], options, loggers.CreateLogger<ChunkSubmitter>(), time, breach);
        return new EvmChain(options, rpc, watcher, submitter, new EscrowState(rpc, options));
    }

    /// <summary>
    /// The client of <c>Rpc:Url</c>, or with more endpoints (<c>Rpc:Urls</c>) a <see cref="QuorumEvmRpc"/> over one client
    /// per endpoint that believes what <c>Rpc:Quorum</c> of them say.
    /// </summary>
    internal static IEvmRpc CreateQuorumRpc(EvmChainOptions options, HttpClient httpClient, TimeProvider time, ILoggerFactory loggers)
    {
        var endpoints = options.Rpc.Endpoints;
        return endpoints.Count == 1
            ? CreateRpc(options, httpClient, time, loggers.CreateLogger<EvmRpcClient>())
            : new QuorumEvmRpc(
                [.. endpoints.Select(url => new QuorumEndpoint(url, CreateRpc(options, httpClient, time, loggers.CreateLogger<EvmRpcClient>(), url)))],
                options.Rpc.EffectiveQuorum,
                loggers.CreateLogger<QuorumEvmRpc>());
    }

    /// <summary>The JSON-RPC client of one endpoint (<c>Rpc:Url</c> unless given) with the retry pipeline of the options' <c>Rpc</c> section.</summary>
    internal static EvmRpcClient CreateRpc(EvmChainOptions options, HttpClient httpClient, TimeProvider time, ILogger<EvmRpcClient> logger, Uri? url = null)
    {
        var endpoint = url is null ? RpcEndpoint.Of(options) : new RpcEndpoint(url, options.Kind, options.Chain);
        return new EvmRpcClient(httpClient, endpoint, options.Rpc, IntentEscrowAbi.Abi, logger, time);
    }

    private static EvmKey ReadKey(ChainKeySource? source, string key) =>
        ChainKeySource.Load(source, key, "a hex secp256k1 private key", EvmKey.FromHex);
}
