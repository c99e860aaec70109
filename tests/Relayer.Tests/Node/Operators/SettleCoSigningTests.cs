using DiscreteExec.Relayer.Bench;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.CoSigning;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Adapters.Solana.Settlement;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Operators;
using Microsoft.Extensions.Time.Testing;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

// The bus side of Solana co-signing: an operator answers a co-sign request only for a chunk it attested itself
// (its own stored attestation over the same digest), and the requester counts only valid signatures of asked operators.
public sealed class SettleCoSigningTests : IDisposable
{
    private static readonly ChainId Chain = new(900001);
    private static readonly EscrowProgram Escrow = new(Bytes32.FromUInt64(0xE5C0));
    private static readonly Bytes32 Payer = Bytes32.FromUInt64(0xFE), Mint = Bytes32.FromUInt64(0x111);
    private readonly SolanaKeypair[] _keys = [.. Enumerable.Range(0, 3).Select(i => SolanaKeypair.FromSeed(System.Security.Cryptography.SHA256.HashData([(byte)i])))];
    private readonly HttpClient _http = new();
    private readonly InMemoryOperatorMessages _messages = new();
    private readonly CapturingPublisher _published = new();

    private readonly SettlementChunk _chunk = new(Chain, 7, 2, Bytes32.FromUInt64(0x7007), ChunkStage.Transfer,
        [new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(0x1D2), Mint, Bytes32.FromUInt64(0x222), 900)]);

    [Fact]
    public async Task AnswerAsync_AttestedChunkAndItsExactSettle_PublishesASignatureTheRequesterCounts()
    {
        await AttestAsync(_keys[1], _chunk);
        var pending = new PendingCoSignatures();
        var request = Request(_chunk, Message(_chunk), _keys[1].PublicKey);
        var inFlight = pending.Open(request.RequestId, request.Message, [_keys[1].PublicKey]);

        Assert.Null(await Responder(1).AnswerAsync(request, default));

        var answer = Assert.IsType<SettleCoSigned>(Assert.Single(_published.Messages));
        Assert.True(pending.Offer(answer));
        Assert.True(inFlight.AllAnswered.IsCompletedSuccessfully);
        Assert.True(SolanaKeypair.Verify(_keys[1].PublicKey, request.Message, inFlight.Signatures[_keys[1].PublicKey]));
    }

    [Fact]
    public async Task AnswerAsync_UnattestedEpoch_RefusesAndPublishesNothing()
    {
        var refusal = await Responder(1).AnswerAsync(Request(_chunk, Message(_chunk), _keys[1].PublicKey), default);

        Assert.Contains("has not attested epoch 7 chunk 2", refusal);
        Assert.Empty(_published.Messages);
    }

    [Fact]
    public async Task AnswerAsync_OtherRootThanItsOwnAttestation_Refuses()
    {
        await AttestAsync(_keys[1], _chunk);
        var other = _chunk with { BatchRoot = Bytes32.FromUInt64(0xBAD) };

        Assert.Contains("has not attested", await Responder(1).AnswerAsync(Request(other, Message(other), _keys[1].PublicKey), default));
        Assert.Empty(_published.Messages);
    }

    [Fact]
    public async Task AnswerAsync_OnlyAnotherOperatorAttested_Refuses()
    {
        await AttestAsync(_keys[2], _chunk);

        Assert.Contains("has not attested", await Responder(1).AnswerAsync(Request(_chunk, Message(_chunk), _keys[1].PublicKey), default));
    }

    [Fact]
    public async Task AnswerAsync_AttestedChunkButMessagePaysElsewhere_RefusesNamingIt()
    {
        await AttestAsync(_keys[1], _chunk);
        var redirected = _chunk with { Actions = [_chunk.Actions[0] with { Account = Bytes32.FromUInt64(0x666) }] };

        Assert.Contains("differ from the settle", await Responder(1).AnswerAsync(Request(_chunk, Message(redirected), _keys[1].PublicKey), default));
        Assert.Empty(_published.Messages);
    }

    [Fact]
    public async Task AnswerAsync_NotAsked_StaysSilent()
    {
        await AttestAsync(_keys[1], _chunk);

        Assert.Null(await Responder(1).AnswerAsync(Request(_chunk, Message(_chunk), _keys[2].PublicKey), default));
        Assert.Empty(_published.Messages);
    }

    [Fact]
    public void Offer_ForgedOrUnaskedSignature_NotCounted()
    {
        var pending = new PendingCoSignatures();
        var message = Message(_chunk);
        var id = Guid.NewGuid();
        var inFlight = pending.Open(id, message, [_keys[1].PublicKey]);

        Assert.False(pending.Offer(Answer(id, _keys[1].PublicKey, _keys[2].Sign(message))));
        Assert.False(pending.Offer(Answer(id, _keys[2].PublicKey, _keys[2].Sign(message))));
        Assert.False(pending.Offer(Answer(Guid.NewGuid(), _keys[1].PublicKey, _keys[1].Sign(message))));
        Assert.False(inFlight.AllAnswered.IsCompleted);
        Assert.True(pending.Offer(Answer(id, _keys[1].PublicKey, _keys[1].Sign(message))));
        Assert.True(inFlight.AllAnswered.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task BusCoSigners_OnlyOperatorsThatAttestedAreCandidates_AndASilentOneTimesOutOnTheFakeClock()
    {
        await AttestAsync(_keys[2], _chunk);
        var time = new FakeTimeProvider();
        var coSigners = new BusSettleCoSigners(
            "op-0", Escrow.ProgramId, [_keys[1].Address, _keys[2].Address], 1, TimeSpan.FromSeconds(5), _messages, _published, new PendingCoSignatures(), time, new InMemoryNodeStore());

        Assert.Equal([_keys[2].PublicKey], await coSigners.CandidatesAsync(_chunk, default));
        var answers = coSigners.RequestAsync(_chunk, Message(_chunk), [_keys[2].PublicKey], default);
        var request = Assert.IsType<SettleCoSignRequested>(Assert.Single(_published.Messages));
        Assert.Equal([_keys[2].Address], request.CoSigners);
        Assert.False(answers.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(await answers);
    }

    [Fact]
    public async Task BusCoSigners_OwnAttestorSignsOnlyTheRootItsNodeChose()
    {
        var epochs = new InMemoryNodeStore();
        var coSigners = new BusSettleCoSigners(
            "op-0", Escrow.ProgramId, [_keys[1].Address, _keys[2].Address], 1, TimeSpan.FromSeconds(5), _messages, _published, new PendingCoSignatures(), new FakeTimeProvider(), epochs);

        Assert.False(await coSigners.OwnAttestorsSignAsync(_chunk, default)); // no root chosen: an epoch it follows
        await epochs.ChooseRootOnceAsync(_chunk.EpochId, Bytes32.FromUInt64(0xD1FF), default);
        Assert.False(await coSigners.OwnAttestorsSignAsync(_chunk, default)); // another root chosen
        var chosen = new InMemoryNodeStore();
        await chosen.ChooseRootOnceAsync(_chunk.EpochId, _chunk.BatchRoot, default);
        Assert.True(await new BusSettleCoSigners(
            "op-0", Escrow.ProgramId, [_keys[1].Address, _keys[2].Address], 1, TimeSpan.FromSeconds(5), _messages, _published, new PendingCoSignatures(), new FakeTimeProvider(), chosen)
            .OwnAttestorsSignAsync(_chunk, default));
    }

    public void Dispose()
    {
        _http.Dispose();
        foreach (var key in _keys)
        {
            key.Dispose();
        }
    }

    private SettleCoSignResponder Responder(int index)
    {
        var options = new SolanaClusterOptions { ChainId = Chain.Value, ProgramId = Base58.EncodeKey(Escrow.ProgramId), Rpc = new() { Url = new Uri("http://127.0.0.1:9") } };
        var coSigner = new SettleCoSigner(new SolanaRpcClient(_http, options), options, new LocalKeypairSigner(_keys[index]), [.. _keys.Select(k => k.PublicKey)]);
        return new SettleCoSignResponder($"op-{index}", new Dictionary<ChainId, SettleCoSigner> { [Chain] = coSigner }, _messages, _published);
    }

    private async Task AttestAsync(SolanaKeypair key, SettlementChunk chunk) =>
        await _messages.SaveAttestationAsync(await new SolanaChunkAttestor(Chain, Escrow.ProgramId, new LocalKeypairSigner(key)).AttestAsync(chunk, default), default);

    private byte[] Message(SettlementChunk chunk) => MessageCompiler.Compile(
        Payer, ChunkTransactionBuilder.Build(chunk, Escrow, Payer, [_keys[0].PublicKey, _keys[1].PublicKey], 1, new HashSet<(Bytes32, Bytes32)>()).Instructions, Bytes32.FromUInt64(0xB10C)).Serialize();

    private static SettleCoSignRequested Request(SettlementChunk chunk, byte[] message, Bytes32 asked) => new()
    {
        RequestId = Guid.NewGuid(),
        RequesterId = "op-0",
        EpochId = chunk.EpochId,
        ChainId = chunk.ChainId,
        Chunk = chunk.Index,
        BatchRoot = chunk.BatchRoot,
        Actions = [.. chunk.Actions.Select(a => new CoSignAction(a.Kind, a.IntentId, a.Token, a.Account, a.Amount))],
        Message = message,
        CoSigners = [Base58.EncodeKey(asked)],
    };

    private static SettleCoSigned Answer(Guid id, Bytes32 signer, byte[] signature) =>
        new() { RequestId = id, EpochId = 7, ChainId = Chain, Chunk = 2, Signer = Base58.EncodeKey(signer), Signature = signature };

    private sealed class CapturingPublisher : IOperatorPublisher
    {
        public System.Collections.Concurrent.ConcurrentQueue<object> Messages { get; } = new();

        public Task PublishAsync<T>(T message, CancellationToken cancellationToken)
            where T : class
        {
            Messages.Enqueue(message);
            return Task.CompletedTask;
        }
    }
}
