using DiscreteExec.Adapters.Evm.Configuration;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Escrow;
using DiscreteExec.Adapters.Evm.Rpc;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Adapters.Evm.Tests.Support;
using DiscreteExec.Adapters.Evm.Watching;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;
using Microsoft.Extensions.Logging.Abstractions;

namespace DiscreteExec.Adapters.Evm.Tests.Integration;

[Trait("Category", "Integration")]
public sealed class SubmitterIntegrationTests : IClassFixture<EscrowTestbed>
{
    private static readonly ChainId Chain = new(AnvilProcess.ChainId);
    private readonly EscrowTestbed _bed;

    public SubmitterIntegrationTests(EscrowTestbed bed)
    {
        _bed = bed;
    }

    [Fact]
    public async Task LegDigest_DeployedContract_EqualsEip712Digest()
    {
        var actions = new[]
        {
            new SettlementAction(ActionKind.Release, Id(1), _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero),
            new SettlementAction(ActionKind.Payout, Id(2), _bed.Token.ToBytes32(), Account(3), 12_345),
            new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, _bed.Token.ToBytes32(), Account(4), UInt256.Parse("340282366920938463463374607431768211457")),
        };
        var chunk = new LegChunkToSign(Chain, _bed.Escrow, 42, 3, Id(99), actions);
        var onChain = await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.LegDigest(42, 3, Id(99), actions)), BlockTag.Latest, CancellationToken.None);
        Assert.Equal(chunk.Digest(), IntentEscrowAbi.DecodeBytes32(onChain));
    }

    [Fact]
    public async Task Submit_TwoOfThreeSignedLeg_SettlesAndBalancesChangeExactly()
    {
        var depositor = EscrowTestbed.Key("settle-depositor");
        await _bed.FundAsync(depositor);
        var nonceBefore = await EscrowNonceAsync();
        await _bed.OpenIntentAsync(depositor, 2_500_000, 77);
        var released = IntentId.Compute(Chain, _bed.Escrow.ToBytes32(), nonceBefore);
        await _bed.FundPoolAsync(10_000_000);

        var payee = EvmAddress.FromPublicKey(EscrowTestbed.Key("payee").PublicKey);
        var treasury = EvmAddress.FromPublicKey(EscrowTestbed.Key("treasury").PublicKey);
        var pool = await _bed.PoolBalanceAsync();
        var escrowBalance = await _bed.TokenBalanceAsync(_bed.Escrow);
        var sourceIntent = Id(1234);
        var leg = Leg(7, [
            new SettlementAction(ActionKind.Release, released, _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero),
            new SettlementAction(ActionKind.Payout, sourceIntent, _bed.Token.ToBytes32(), payee.ToBytes32(), 2_490_000),
            new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, _bed.Token.ToBytes32(), treasury.ToBytes32(), 1_000_000),
        ]);

        // Two of the three registered signers: the escrow's threshold.
        using var sender = Sender(_bed.Options());
        var submitter = Submitter(_bed.Options(), sender, _bed.Signers[0], _bed.Signers[2]);
        var result = await submitter.SubmitAsync(leg, CancellationToken.None);

        var chunk = Assert.Single(result.Chunks);
        Assert.Equal(ChunkOutcome.Applied, chunk.Outcome);
        Assert.True(chunk.Receipt!.Succeeded);
        Assert.Equal((UInt256)2_490_000, await _bed.TokenBalanceAsync(payee));
        Assert.Equal((UInt256)1_000_000, await _bed.TokenBalanceAsync(treasury));
        Assert.Equal(escrowBalance - 2_490_000 - 1_000_000, await _bed.TokenBalanceAsync(_bed.Escrow));
        Assert.Equal(pool + 2_500_000 - 2_490_000 - 1_000_000, await _bed.PoolBalanceAsync());
        Assert.Equal(2, await _bed.IntentStatusAsync(released));
        Assert.True(IntentEscrowAbi.DecodeBool(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.IsPaid(sourceIntent)), BlockTag.Latest, CancellationToken.None)));
        var applied = Assert.Single(chunk.Receipt.Logs, l => l.Topics[0] == Topic("LegApplied"));
        Assert.Equal(new LegChunkToSign(Chain, _bed.Escrow, 7, 0, leg.BatchRoot, leg.Actions).ChunkHash(), new Bytes32(applied.Data.AsSpan(32, 32)));

        // A watcher following the escrow sees the settlement events of that transaction.
        var options = _bed.Options();
        options.StartBlock = (long)chunk.Receipt.BlockNumber;
        var watcher = new EscrowWatcher(_bed.Rpc, options, new InMemoryCheckpointStore(), TimeProvider.System, NullLogger<EscrowWatcher>.Instance);
        var sink = new CollectingSink();
        while (await watcher.PollOnceAsync(sink, CancellationToken.None))
        {
        }

        var events = sink.Batches.SelectMany(b => b.Events).ToArray();
        Assert.Contains(events, e => e is IntentClosed { Released: true, EpochId: 7 } closed && closed.IntentId == released);
        Assert.Contains(events, e => e is PayoutMade payout && payout.SourceIntentId == sourceIntent && payout.Amount == 2_490_000 && payout.Token == _bed.Token);
        Assert.Contains(events, e => e is LegApplied { EpochId: 7, Chunk: 0, ActionCount: 3 } applied && applied.BatchRoot == leg.BatchRoot);

        // The same leg again: every chunk reports AlreadyApplied and nothing is sent.
        var relayerNonce = await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None);
        var replay = await submitter.SubmitAsync(leg, CancellationToken.None);
        Assert.Equal(ChunkOutcome.AlreadyApplied, Assert.Single(replay.Chunks).Outcome);
        Assert.Equal(relayerNonce, await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None));
        Assert.Equal((UInt256)2_490_000, await _bed.TokenBalanceAsync(payee));
    }

    [Fact]
    public async Task Submit_LegOverGasBudget_SplitsIntoChunksEachWithItsOwnSignatures()
    {
        await _bed.FundPoolAsync(1_000_000);
        var options = _bed.Options();
        options.SettleBaseGas = 100_000;
        options.GasPerAction = 60_000;
        options.MaxGasPerChunk = 100_000 + (3 * 60_000);
        var payees = Enumerable.Range(0, 8).Select(i => EvmAddress.FromPublicKey(EscrowTestbed.Key($"chunk-payee-{i}").PublicKey)).ToArray();
        var leg = Leg(8, payees.Select((p, i) => new SettlementAction(ActionKind.Payout, Id(8000 + (ulong)i), _bed.Token.ToBytes32(), p.ToBytes32(), 1_000 + (ulong)i)).ToArray());
        using var sender = Sender(options);
        var result = await Submitter(options, sender, _bed.Signers).SubmitAsync(leg, CancellationToken.None);

        Assert.Equal([3, 3, 2], result.Chunks.Select(c => c.ActionCount));
        Assert.Equal([0u, 1u, 2u], result.Chunks.Select(c => c.Chunk));
        Assert.All(result.Chunks, c => Assert.Equal(ChunkOutcome.Applied, c.Outcome));
        for (var i = 0; i < payees.Length; i++)
        {
            Assert.Equal((UInt256)(1_000UL + (ulong)i), await _bed.TokenBalanceAsync(payees[i]));
        }

        for (var chunk = 0u; chunk < 3; chunk++)
        {
            Assert.True(IntentEscrowAbi.DecodeBool(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.IsApplied(8, chunk)), BlockTag.Latest, CancellationToken.None)));
        }
    }

    [Fact]
    public async Task Submit_PayoutBeyondPool_ThrowsWithTheEscrowsErrorName()
    {
        var leg = Leg(9, [new SettlementAction(ActionKind.Payout, Id(9000), _bed.Token.ToBytes32(), Account(5), UInt256.Parse("1000000000000000000000000"))]);
        using var sender = Sender(_bed.Options());
        var error = await Assert.ThrowsAsync<LegSubmissionException>(() => Submitter(_bed.Options(), sender, _bed.Signers).SubmitAsync(leg, CancellationToken.None));
        Assert.Equal("InsufficientPool", error.ErrorName);
        Assert.Equal(9UL, error.EpochId);
    }

    [Fact]
    public async Task Submit_OneSignatureBelowThreshold_ThrowsInsufficientSignatures()
    {
        var leg = Leg(10, [new SettlementAction(ActionKind.Payout, Id(10_000), _bed.Token.ToBytes32(), Account(6), 1)]);
        using var sender = Sender(_bed.Options());
        var error = await Assert.ThrowsAsync<LegSubmissionException>(() => Submitter(_bed.Options(), sender, _bed.Signers[1]).SubmitAsync(leg, CancellationToken.None));
        Assert.Equal("InsufficientSignatures", error.ErrorName);
    }

    [Fact]
    public async Task Submit_SignerReturnsHighS_NormalisesAndSettles()
    {
        // A remote signer may hand back the high-s twin of a valid signature (n - s, other parity): it recovers to the
        // same address, but the escrow, like OpenZeppelin's ECDSA, refuses it with SignatureHighS.
        await _bed.FundPoolAsync(1_000);
        var payee = EvmAddress.FromPublicKey(EscrowTestbed.Key("high-s-payee").PublicKey);
        var leg = Leg(11, [new SettlementAction(ActionKind.Payout, Id(11_000), _bed.Token.ToBytes32(), payee.ToBytes32(), 11)]);
        using var sender = Sender(_bed.Options());
        ILegSigner[] signers = [new HighSLegSigner(new LocalLegSigner(_bed.Signers[0])), new LocalLegSigner(_bed.Signers[1])];
        var submitter = new LegSubmitter(_bed.Rpc, sender, signers, _bed.Options(), NullLogger<LegSubmitter>.Instance);

        var result = await submitter.SubmitAsync(leg, CancellationToken.None);

        Assert.Equal(ChunkOutcome.Applied, Assert.Single(result.Chunks).Outcome);
        Assert.Equal((UInt256)11, await _bed.TokenBalanceAsync(payee));
    }

    private static SettlementLeg Leg(ulong epoch, IReadOnlyList<SettlementAction> actions)
    {
        var leaves = SettlementLeaf.Hashes(Chain, epoch, actions);
        var legHash = MerkleTree.Root(leaves);
        return new SettlementLeg(Chain, epoch, MerkleTree.Root(new[] { legHash }), legHash, actions);
    }

    private TransactionSender Sender(EvmChainOptions options) =>
        new(_bed.Rpc, new LocalTransactionSigner(_bed.Relayer), options, TimeProvider.System, NullLogger<TransactionSender>.Instance);

    private LegSubmitter Submitter(EvmChainOptions options, TransactionSender sender, params EvmKey[] signers) =>
        new(_bed.Rpc, sender, signers.Select(k => (ILegSigner)new LocalLegSigner(k)), options, NullLogger<LegSubmitter>.Instance);

    private async Task<ulong> EscrowNonceAsync() =>
        IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Nonce()), BlockTag.Latest, CancellationToken.None)).AsUInt64;

    private static Bytes32 Topic(string name) => IntentEscrowAbi.Abi.Event(name).Topic0;

    private static Bytes32 Id(ulong n) => Keccak256.Hash(BitConverter.GetBytes(n));

    private static Bytes32 Account(ulong n) => EvmAddress.FromPublicKey(EscrowTestbed.Key($"account-{n}").PublicKey).ToBytes32();

    private sealed class HighSLegSigner(ILegSigner inner) : ILegSigner
    {
        private static readonly System.Numerics.BigInteger N = System.Numerics.BigInteger.Parse("0fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", System.Globalization.NumberStyles.HexNumber);

        public EvmAddress Address => inner.Address;

        public async Task<EcdsaSignature> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
        {
            var low = await inner.SignAsync(chunk, cancellationToken);
            var high = N - new System.Numerics.BigInteger(low.S, isUnsigned: true, isBigEndian: true);
            var bytes = high.ToByteArray(isUnsigned: true, isBigEndian: true);
            var s = new byte[32];
            bytes.CopyTo(s, 32 - bytes.Length);
            return new EcdsaSignature(low.R, s, (byte)(low.RecoveryId ^ 1));
        }
    }
}
