using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Governance;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Solana;

/// <summary>
/// The adapter's entry point for the relayer host: one per configured cluster. Validates the options, builds the
/// JSON-RPC client over the host's shared <see cref="HttpClient"/>, and creates the watcher and the leg submitter.
/// </summary>
public sealed class SolanaCluster
{
    private readonly ILoggerFactory _loggers;
    private readonly TimeProvider _time;

    private SolanaCluster(string name, SolanaClusterOptions options, ISolanaRpc rpc, ILoggerFactory loggers, TimeProvider time)
    {
        Name = name;
        Options = options;
        Rpc = rpc;
        Escrow = new EscrowProgram(options.ProgramKey);
        _loggers = loggers;
        _time = time;
    }

    public string Name { get; }

    public SolanaClusterOptions Options { get; }

    public ISolanaRpc Rpc { get; }

    public EscrowProgram Escrow { get; }

    public ChainId ChainId => Options.Chain;

    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; every message names its key.</exception>
    public static SolanaCluster Create(string name, SolanaClusterOptions options, HttpClient httpClient, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        SolanaClusterOptionsValidator.ThrowIfInvalid(name, options);
        var loggers = loggerFactory ?? NullLoggerFactory.Instance;
        var time = timeProvider ?? TimeProvider.System;
        var endpoints = options.Rpc.Endpoints;
        ISolanaRpc rpc = endpoints.Count == 1
            ? new SolanaRpcClient(httpClient, options, loggers.CreateLogger<SolanaRpcClient>(), time)
            : new QuorumSolanaRpc(
                new RpcQuorum<ISolanaRpc>(
                    [.. endpoints.Select(url => new QuorumMember<ISolanaRpc>(url, new SolanaRpcClient(httpClient, options, loggers.CreateLogger<SolanaRpcClient>(), time, url)))],
                    options.Rpc.EffectiveQuorum,
                    loggers.CreateLogger<QuorumSolanaRpc>()));
        return new SolanaCluster(name, options, rpc, loggers, time);
    }

    public EscrowWatcher CreateWatcher(ICheckpointStore<WatcherCheckpoint> checkpoints) =>
        new(Rpc, Options, checkpoints, _loggers.CreateLogger<EscrowWatcher>(), _time);

    /// <summary>
    /// The chunk submitter: the payer pays fees and rent (it may be an attestor too); attestors must reach the
    /// escrow's threshold, or together with <paramref name="coSigners"/> (the other operators of a set) when given.
    /// </summary>
    public IChunkSubmitter CreateSubmitter(ITransactionSigner payer, IReadOnlyList<ITransactionSigner> attestors, CoSigning.ISettleCoSigners? coSigners = null) =>
        new ChunkSubmitter(Rpc, Options, payer, attestors, _loggers.CreateLogger<ChunkSubmitter>(), _time, coSigners);

    /// <summary>The attestor-set rotation flow (propose with a threshold of the current attestors, activate after the delay).</summary>
    internal SignerSetRotation CreateRotation() => new(Rpc, Options, _time);
}
