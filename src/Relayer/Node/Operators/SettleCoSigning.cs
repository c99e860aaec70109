using System.Collections.Concurrent;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.CoSigning;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Store;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// The co-sign requests this node has in flight, by request id: each collects the asked operators' signatures of its
/// message (only a valid signature of an asked operator counts) until all answered; the bus consumer of
/// <see cref="SettleCoSigned"/> offers every answer here.
/// </summary>
internal sealed class PendingCoSignatures
{
    private readonly ConcurrentDictionary<Guid, Request> _requests = new();

    public Request Open(Guid requestId, byte[] message, IReadOnlyList<Bytes32> asked)
    {
        var request = new Request(message, asked);
        _requests[requestId] = request;
        return request;
    }

    public void Close(Guid requestId) => _requests.TryRemove(requestId, out _);

    /// <summary>Whether the answer counted (a request in flight, an asked signer, a valid signature of its message).</summary>
    public bool Offer(SettleCoSigned answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return _requests.TryGetValue(answer.RequestId, out var request) && Base58.TryDecodeKey(answer.Signer, out var signer) && request.Offer(signer, answer.Signature);
    }

    /// <summary>One request in flight.</summary>
    internal sealed class Request(byte[] message, IReadOnlyList<Bytes32> asked)
    {
        private readonly ConcurrentDictionary<Bytes32, byte[]> _signatures = new();
        private readonly TaskCompletionSource _allAnswered = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Completes once every asked operator's signature is in.</summary>
        public Task AllAnswered => _allAnswered.Task;

        public IReadOnlyDictionary<Bytes32, byte[]> Signatures => new Dictionary<Bytes32, byte[]>(_signatures);

        public bool Offer(Bytes32 signer, byte[]? signature)
        {
            if (!asked.Contains(signer) || signature is null || !SolanaChunkAttestation.SignatureVerifies(signer, message, signature) || !_signatures.TryAdd(signer, signature))
            {
                return false;
            }

            if (_signatures.Count == asked.Count)
            {
                _allAnswered.TrySetResult();
            }

            return true;
        }
    }
}

/// <summary>
/// The other operators of a Solana chain as its chunk submitter's co-signers, over the bus: the candidates are the
/// operators whose attestation of the chunk (over the digest this node computes) it holds, in operator order; a
/// request publishes the message and waits at most <c>OperatorSet:CoSignTimeout</c> (on the node's TimeProvider)
/// for the asked operators' <see cref="SettleCoSigned"/>. This node's own attestor signs only chunks of the root it
/// chose for their epoch in the round its epoch record holds (<see cref="ChosenRoots.ChosenRootOfRecordRoundAsync"/>): for a root it follows, one more operator co-signs.
/// </summary>
internal sealed class BusSettleCoSigners(
    string ownId, Bytes32 programId, IReadOnlyList<string> otherSigners, int needed, TimeSpan timeout,
    IOperatorMessageStore messages, IOperatorPublisher publisher, PendingCoSignatures pending, TimeProvider time, IEpochStore epochs) : ISettleCoSigners
{
    public int Needed => needed;

    public async Task<bool> OwnAttestorsSignAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        return await epochs.ChosenRootOfRecordRoundAsync(chunk.EpochId, cancellationToken).ConfigureAwait(false) == chunk.BatchRoot;
    }

    public async Task<IReadOnlyList<Bytes32>> CandidatesAsync(SettlementChunk chunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        var digest = SolanaChunkAttestation.Digest(chunk, programId);
        var heard = await messages.AttestationsAsync(chunk.EpochId, chunk.ChainId, chunk.Index, cancellationToken).ConfigureAwait(false);
        return [.. otherSigners
            .Where(s => heard.Any(a => a.Digest == digest && string.Equals(a.Signer, s, StringComparison.Ordinal)))
            .Select(Base58.DecodeKey)];
    }

    public async Task<IReadOnlyDictionary<Bytes32, byte[]>> RequestAsync(SettlementChunk chunk, ReadOnlyMemory<byte> message, IReadOnlyList<Bytes32> coSigners, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(coSigners);
        var requestId = Guid.NewGuid();
        var bytes = message.ToArray();
        var request = pending.Open(requestId, bytes, coSigners);
        try
        {
            await publisher.PublishAsync(
                new SettleCoSignRequested
                {
                    RequestId = requestId,
                    RequesterId = ownId,
                    EpochId = chunk.EpochId,
                    ChainId = chunk.ChainId,
                    Chunk = chunk.Index,
                    BatchRoot = chunk.BatchRoot,
                    Actions = [.. chunk.Actions.Select(a => new CoSignAction(a.Kind, a.IntentId, a.Token, a.Account, a.Amount))],
                    Message = bytes,
                    CoSigners = [.. coSigners.Select(Base58.EncodeKey)],
                },
                cancellationToken).ConfigureAwait(false);
            try
            {
                await request.AllAnswered.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The submitter asks the silent ones last on its next attempt (a fresh blockhash, a new request).
            }

            return request.Signatures;
        }
        finally
        {
            pending.Close(requestId);
        }
    }
}

/// <summary>
/// This operator's answer to another's <see cref="SettleCoSignRequested"/>: it signs only when it is asked, the chunk
/// the request names is one it attested itself (its own stored attestation over the same digest: same chain, escrow,
/// epoch, chunk, content and root), and <see cref="SettleCoSigner"/> finds the message is exactly that chunk's
/// settle. Each answer is null (signed and published, or not asked) or why it refused.
/// </summary>
internal sealed class SettleCoSignResponder(string ownId, IReadOnlyDictionary<ChainId, SettleCoSigner> coSigners, IOperatorMessageStore messages, IOperatorPublisher publisher)
{
    public async Task<string?> AnswerAsync(SettleCoSignRequested request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.Equals(request.RequesterId, ownId, StringComparison.Ordinal) || !coSigners.TryGetValue(request.ChainId, out var coSigner))
        {
            return null;
        }

        var own = Base58.EncodeKey(coSigner.PublicKey);
        if (request.CoSigners?.Contains(own) != true)
        {
            return null;
        }

        if (request.Actions is not { Count: > 0 } actions || actions.Any(a => a is null) || request.Message is null)
        {
            return "a request without actions or a message";
        }

        var chunk = new SettlementChunk(
            request.ChainId, request.EpochId, request.Chunk, request.BatchRoot,
            actions.All(a => a.Kind == ActionKind.Release) ? ChunkStage.Release : ChunkStage.Transfer,
            [.. actions.Select(a => new SettlementAction(a.Kind, a.IntentId, a.Token, a.Account, a.Amount))]);
        var digest = SolanaChunkAttestation.Digest(chunk, coSigner.ProgramId);
        var attested = await messages.AttestationsAsync(chunk.EpochId, chunk.ChainId, chunk.Index, cancellationToken).ConfigureAwait(false);
        if (!attested.Any(a => string.Equals(a.Signer, own, StringComparison.Ordinal) && a.Digest == digest && SolanaChunkAttestation.Verifies(coSigner.PublicKey, digest, a.Signature)))
        {
            return $"this operator has not attested epoch {chunk.EpochId} chunk {chunk.Index} on chain {chunk.ChainId} with this content and root {chunk.BatchRoot}";
        }

        var answer = await coSigner.SignAsync(request.Message, chunk, cancellationToken).ConfigureAwait(false);
        if (answer.Signature is not { } signature)
        {
            return answer.Refusal;
        }

        await publisher.PublishAsync(
            new SettleCoSigned { RequestId = request.RequestId, EpochId = chunk.EpochId, ChainId = chunk.ChainId, Chunk = chunk.Index, Signer = own, Signature = signature },
            cancellationToken).ConfigureAwait(false);
        return null;
    }
}
