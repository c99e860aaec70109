using System.Diagnostics;
using System.Threading.Channels;
using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Aggregator.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Chains;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Operators;
using DiscreteExec.Relayer.Node.Prices;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Bench;

/// <summary>One verifier seat's own time on a manifest: in all, in the verifier rule (its own clearing included), in signing the chunks.</summary>
internal sealed record VerifierTime(TimeSpan Total, TimeSpan Rule, TimeSpan Signing);

/// <summary>One epoch of the operator bench: the clearing alone, each verifier's own time, and publication to a threshold of every chunk.</summary>
internal sealed record OperatorBenchEpoch(TimeSpan Clearing, IReadOnlyList<VerifierTime> Verifiers, TimeSpan ToThreshold);

/// <summary>The operator bench's figures for one (seats, intents) pair.</summary>
internal sealed record OperatorBenchResult(int Seats, int Threshold, int Intents, int Chunks, IReadOnlyList<OperatorBenchEpoch> Epochs);

/// <summary>
/// `bench operators`: N operator seats in this process, each with its own key, message store and intake; the proposer
/// (seat 0) clears a synthetic epoch, signs and publishes its manifest, and the clock runs from that publication until
/// the proposer holds a threshold (N/2 + 1) of verified signatures for every chunk. Every other seat runs the node's
/// own code on it concurrently: the intake (manifest signature), the verifier rule (every input against its view,
/// the manifest hash rebuilt, its own clearing), its choice of root, the chunk planner and an EVM EIP-712 signature per
/// chunk; the proposer's intake recovers each signature before it counts. What is not here: the bus (an in-process
/// channel), the stores (in memory; the node reads its view from Redis before verifying), chain reads (the signer-set
/// version is fixed). The seats share this machine's cores.
/// </summary>
internal static class OperatorBenchmarkRunner
{
    private const ulong SignerSetVersion = 1;

    // Enough epochs before the measured ones for the JIT's tiered compilation to settle (one was not: the first row's
    // clearing ran at several times the later rows').
    private const int WarmUpEpochs = 3;
    private static readonly ChunkLimits Limits = new EvmChainOptions().ChunkLimits;

    public static async Task<OperatorBenchResult> RunAsync(int seats, int intents, int epochs, int seed, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seats, 2);
        var synthetic = SyntheticEpoch.Create(intents, seed);
        var input = synthetic with { Intents = [.. synthetic.Intents.OrderBy(i => i.IntentId)] }; // as a node loads its close decision
        var world = World.Of(input);
        var threshold = (seats / 2) + 1;
        var keys = Enumerable.Range(0, seats).Select(i => new EvmKey(Bytes32.FromUInt64(0xB0_0000 + (ulong)i).ToArray())).ToArray();
        var operators = keys.Select(k => k.Address).ToArray();
        var chains = input.Assets.SelectMany(a => a.Tokens).Select(t => t.ChainId).Distinct().ToArray();
        var seatsOf = keys.Select((key, i) => Seat(i, key, operators, chains, threshold, input)).ToArray();

        // The first epochs warm up (JIT, caches) and are not reported.
        var measured = new List<OperatorBenchEpoch>();
        var chunkCount = 0;
        for (var epoch = 1; epoch <= epochs + WarmUpEpochs; epoch++)
        {
            var (result, chunks) = await RunEpochAsync(seatsOf, input with { EpochId = (ulong)epoch }, world, cancellationToken).ConfigureAwait(false);
            chunkCount = chunks;
            if (epoch > WarmUpEpochs)
            {
                measured.Add(result);
            }
        }

        return new OperatorBenchResult(seats, threshold, intents, chunkCount, measured);
    }

    private static async Task<(OperatorBenchEpoch Epoch, int Chunks)> RunEpochAsync(OperatorSeat[] seats, EpochInput input, World world, CancellationToken cancellationToken)
    {
        var proposer = seats[0];
        var clearing = Stopwatch.StartNew();
        var batch = EpochClearing.Clear(input);
        clearing.Stop();
        var chunks = SettlementChunkPlanner.Plan(batch.Legs, _ => Limits);
        var proposal = proposer.Manifests.Sign(EpochProposals.Create(0, proposer.OwnId, input, batch, world.Prices, world.Cursors));
        var exchange = Channel.CreateUnbounded<LegAttested>();

        // Publication: the proposer signs its own chunks as every node does; the others verify and sign concurrently.
        var published = Stopwatch.StartNew();
        var verifiers = seats.Skip(1).Select(seat => Task.Run(() => VerifyAndAttestAsync(seat, proposal, world, exchange.Writer, cancellationToken), cancellationToken)).ToArray();
        var collected = (await AttestAllAsync(proposer, chunks, null, cancellationToken).ConfigureAwait(false)).ToDictionary(
            own => new ChunkReference(own.ChainId, own.Chunk),
            own =>
            {
                var chunk = new ChunkAttestations(own.EpochId, own.ChainId, own.Chunk, own.BatchRoot, own.Digest, proposer.Signers[own.ChainId], proposer.Threshold, proposer.Attestors[own.ChainId].Verifies);
                chunk.Add(own);
                return chunk;
            });
        _ = Task.WhenAll(verifiers).ContinueWith(_ => exchange.Writer.TryComplete(), TaskScheduler.Default);
        var intake = new OperatorMessageIntake(proposer);
        var below = collected.Count;
        await foreach (var attestation in exchange.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await intake.AttestationAsync(attestation, cancellationToken).ConfigureAwait(false) is { } fault)
            {
                throw new InvalidOperationException($"bench: the proposer dropped an attestation: {fault}");
            }

            if (collected[new ChunkReference(attestation.ChainId, attestation.Chunk)].Add(attestation) == AttestationOutcome.ThresholdReached && --below == 0)
            {
                break;
            }
        }

        published.Stop();
        var times = await Task.WhenAll(verifiers).ConfigureAwait(false); // a verifier's failure surfaces here
        return below == 0
            ? (new OperatorBenchEpoch(clearing.Elapsed, times, published.Elapsed), chunks.Count)
            : throw new InvalidOperationException($"bench: epoch {input.EpochId}: {below} of {collected.Count} chunks never reached {proposer.Threshold} signatures.");
    }

    // One verifier seat: the manifest through its intake and the verifier rule, the root chosen once, every chunk signed and sent.
    private static async Task<VerifierTime> VerifyAndAttestAsync(OperatorSeat seat, EpochProposed proposal, World world, ChannelWriter<LegAttested> exchange, CancellationToken cancellationToken)
    {
        var started = Stopwatch.StartNew();
        if (await new OperatorMessageIntake(seat).ProposalAsync(proposal, cancellationToken).ConfigureAwait(false) is { } dropped)
        {
            throw new InvalidOperationException($"bench: seat {seat.OwnIndex} dropped the manifest: {dropped}");
        }

        var rule = Stopwatch.StartNew();
        var verdict = seat.Verifier.Verify(proposal, world.View());
        rule.Stop();
        if (verdict.Refusal is { } refusal)
        {
            throw new InvalidOperationException($"bench: seat {seat.OwnIndex} refused the manifest ({refusal.Fault}: {refusal.Subject} {refusal.Proposed} vs {refusal.Observed})");
        }

        if (world.ChooseRootOnce(seat.OwnIndex, proposal.EpochId, verdict.Batch!.BatchRoot) != verdict.Batch.BatchRoot)
        {
            throw new InvalidOperationException($"bench: seat {seat.OwnIndex} already chose another root for epoch {proposal.EpochId}");
        }

        var signing = Stopwatch.StartNew();
        await AttestAllAsync(seat, SettlementChunkPlanner.Plan(verdict.Batch.Legs, _ => Limits), exchange, cancellationToken).ConfigureAwait(false);
        return new VerifierTime(started.Elapsed, rule.Elapsed, signing.Elapsed);
    }

    // Signs every chunk with the seat's key and keeps it; a verifier also sends it to the proposer (the proposer counts its own directly).
    private static async Task<List<LegAttested>> AttestAllAsync(OperatorSeat seat, IReadOnlyList<SettlementChunk> chunks, ChannelWriter<LegAttested>? exchange, CancellationToken cancellationToken)
    {
        var signed = new List<LegAttested>(chunks.Count);
        foreach (var chunk in chunks)
        {
            var attestation = await seat.Attestors[chunk.ChainId].AttestAsync(chunk, cancellationToken).ConfigureAwait(false);
            await seat.Messages.SaveAttestationAsync(attestation, cancellationToken).ConfigureAwait(false);
            if (exchange is not null)
            {
                await exchange.WriteAsync(attestation, cancellationToken).ConfigureAwait(false);
            }

            signed.Add(attestation);
        }

        return signed;
    }

    private static OperatorSeat Seat(int index, EvmKey key, EvmAddress[] operators, ChainId[] chains, int threshold, EpochInput input)
    {
        var ids = operators.Select((_, i) => $"op-{i}").ToArray();
        var signers = operators.Select(a => a.ToString()).ToArray();
        return new OperatorSeat(
            index, ids[index], ids, threshold, TimeSpan.FromSeconds(30),
            new ManifestVerifier(ids[index], input.Assets, 50, new ManifestTerms(input.FeeBps, input.SpreadBps, input.SettlementMarginSeconds, TimeSpan.FromMinutes(1))),
            chains.ToDictionary(c => c, _ => (IReadOnlyList<string>)signers),
            chains.ToDictionary(c => c, c => (IChunkAttestor)new FixedVersionChunkAttestor(c, new LocalLegSigner(key))),
            new InMemoryOperatorMessages(), NoPublisher.Instance,
            new ManifestSignatures(key, index, operators, Eip712ProposalDigest.OperatorSetSalt(chains[0].Value, FixedVersionChunkAttestor.Escrow, threshold, operators)));
    }

    /// <summary>An EVM attestor whose escrow's signer-set version is fixed (the node reads it from the chain): the same signing and check.</summary>
    private sealed class FixedVersionChunkAttestor(ChainId chainId, ILegSigner own) : IChunkAttestor
    {
        public static readonly EvmAddress Escrow = EvmAddress.FromBytes32(Bytes32.FromUInt64(0xE5C0));

        public ChainId ChainId => chainId;

        public Task<LegAttested> AttestAsync(SettlementChunk chunk, CancellationToken cancellationToken) =>
            EvmAttestation.SignAsync(own, ToSign(chunk), cancellationToken);

        public Task<Bytes32> DigestAsync(SettlementChunk chunk, CancellationToken cancellationToken) => Task.FromResult(ToSign(chunk).Digest());

        public bool Verifies(LegAttested attestation, string signer) => ChunkAttestations.EvmSignatureVerifies(attestation, signer);

        private static LegChunkToSign ToSign(SettlementChunk chunk) =>
            new(chunk.ChainId, Escrow, chunk.EpochId, chunk.Index, chunk.BatchRoot, chunk.Actions, SignerSetVersion);
    }

    /// <summary>The seats' messages go through the bench's own channel; nothing is published.</summary>
    private sealed class NoPublisher : IOperatorPublisher
    {
        public static readonly NoPublisher Instance = new();

        public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
            where T : class => Task.CompletedTask;
    }

    /// <summary>What every seat sees alike: the epoch's intents final at the cursors, its pools, the feed's prices; and each seat's chosen roots.</summary>
    private sealed class World
    {
        private readonly Dictionary<Bytes32, StoredIntent> _listed;
        private readonly StoredIntent[] _book;
        private readonly EpochInput _input;
        private readonly System.Collections.Concurrent.ConcurrentDictionary<(int Seat, ulong Epoch), Bytes32> _roots = new();

        private World(EpochInput input, Dictionary<Bytes32, StoredIntent> listed, IReadOnlyList<ReferencePrice> prices, IReadOnlyList<(ChainId, ChainCursor)> cursors)
        {
            (_input, _listed, Prices, Cursors) = (input, listed, prices, cursors);
            _book = [.. listed.Values];
        }

        public IReadOnlyList<ReferencePrice> Prices { get; }

        public IReadOnlyList<(ChainId ChainId, ChainCursor Cursor)> Cursors { get; }

        public static World Of(EpochInput input)
        {
            var observedAt = DateTimeOffset.FromUnixTimeSeconds((long)input.ClosesAt);
            var listed = input.Intents.ToDictionary(i => i.IntentId, i => new StoredIntent(
                new IntentObserved { Intent = i, Position = new ChainPosition { BlockNumber = 1, BlockHash = "0x01", TransactionId = "0x02", LogIndex = 0 } }, IntentStage.Open, null, 0, 0));
            var cursors = input.Intents.Select(i => i.OriginChainId).Distinct().Order().Select(c => (c, new ChainCursor(1, "0x01"))).ToArray();
            return new World(input, listed, [.. input.Assets.Select(a => new ReferencePrice(a.Id, a.ReferencePrice, "bench", observedAt))], cursors);
        }

        // The epochs differ only in their id: a verifier's book and pools stay those of the synthetic epoch.
        public VerifierView View() => new(_listed, _book, _input.Pools, Prices, _input.ClosesAt, null);

        public Bytes32 ChooseRootOnce(int seat, ulong epochId, Bytes32 root) => _roots.GetOrAdd((seat, epochId), root);
    }
}
