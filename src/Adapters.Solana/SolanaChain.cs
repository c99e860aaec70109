using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Adapters.Solana.Watching;
using DiscreteExec.Chains.Checkpoints;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging;

namespace DiscreteExec.Adapters.Solana;

/// <summary>
/// The adapter's entry point: one per configured Solana cluster. <see cref="Connect"/> validates the options, reads
/// the keys they name, and builds the JSON-RPC client, the watcher, the chunk submitter and the escrow state reader.
/// Disposing it releases the keys.
/// </summary>
public sealed class SolanaChain : IChainAdapter, IDisposable
{
    private readonly SolanaKeypair[] _keys;

    private SolanaChain(SolanaCluster cluster, IChainWatcher watcher, IChunkSubmitter submitter, IReadOnlyList<ITransactionSigner> attestors, SolanaKeypair[] keys)
    {
        Attestors = attestors;
        Cluster = cluster;
        Watcher = watcher;
        Submitter = submitter;
        State = new EscrowState(cluster.Rpc, cluster.Options);
        _keys = keys;
    }

    public ChainKind Kind => ChainKind.Solana;

    public ChainId ChainId => Cluster.ChainId;

    /// <summary>The cluster's options, RPC client and escrow program.</summary>
    public SolanaCluster Cluster { get; }

    public IChainWatcher Watcher { get; }

    public IChunkSubmitter Submitter { get; }

    public IEscrowState State { get; }

    /// <summary>This node's attestor keys (<c>Signers</c>), as signers.</summary>
    public IReadOnlyList<ITransactionSigner> Attestors { get; }

    /// <summary>
    /// Builds the cluster's parts over the host's shared <paramref name="httpClient"/> (its timeout should be infinite:
    /// each attempt's timeout comes from <c>Rpc:AttemptTimeout</c>). The watcher keeps its checkpoint in
    /// <paramref name="checkpoints"/>, by default the file at <c>CheckpointPath</c>. <c>Payer</c> pays fees and rent,
    /// <c>Signers</c> are the attestors (the payer may be one of them); keys are Solana CLI keypair JSON arrays.
    /// <paramref name="coSigners"/> (an operator set) are the other operators who co-sign each settle.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">The options are invalid; every message names its key.</exception>
    /// <exception cref="InvalidOperationException">A key is missing or unreadable; the message names it.</exception>
    public static SolanaChain Connect(
        string name,
        SolanaClusterOptions options,
        HttpClient httpClient,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        ICheckpointStore<WatcherCheckpoint>? checkpoints = null,
        CoSigning.ISettleCoSigners? coSigners = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var cluster = SolanaCluster.Create(name, options, httpClient, loggerFactory, timeProvider);
        var prefix = $"{SolanaClusterOptions.SectionPrefix}:{name}";
        var keys = new List<SolanaKeypair>();
        try
        {
            var payer = ReadKey(options.Payer, $"{prefix}:{nameof(options.Payer)}");
            keys.Add(payer);
            var attestors = options.Signers.Select((source, i) => ReadKey(source, $"{prefix}:{nameof(options.Signers)}:{i}")).ToList();
            keys.AddRange(attestors);
            if (attestors.Count == 0)
            {
                throw new InvalidOperationException($"{prefix}:{nameof(options.Signers)}: at least one attestor key is needed to settle chunks.");
            }

            var watcher = cluster.CreateWatcher(checkpoints ?? new JsonFileCheckpointStore<WatcherCheckpoint>(options.EffectiveCheckpointPath));
            ITransactionSigner[] signers = [.. attestors.Select(a => new LocalKeypairSigner(a))];
            var submitter = cluster.CreateSubmitter(new LocalKeypairSigner(payer), signers, coSigners);
            return new SolanaChain(cluster, watcher, submitter, signers, [.. keys]);
        }
        catch
        {
            keys.ForEach(k => k.Dispose());
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    private static SolanaKeypair ReadKey(ChainKeySource? source, string key) =>
        ChainKeySource.Load(source, key, "a Solana CLI keypair (a JSON array of 64 numbers)", text =>
        {
            try
            {
                return SolanaKeypair.FromCliKeypairJson(text);
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new FormatException(e.Message, e);
            }
        });
}
