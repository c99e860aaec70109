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
using DiscreteExec.Relayer.Devnet;
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
    public async Task LegDigest_DeployedContract_EqualsEip712DigestNamingVersionOne()
    {
        var actions = new[]
        {
            new SettlementAction(ActionKind.Release, Id(1), _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero),
            new SettlementAction(ActionKind.Payout, Id(2), _bed.Token.ToBytes32(), Account(3), 12_345),
            new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, _bed.Token.ToBytes32(), Account(4), UInt256.Parse("340282366920938463463374607431768211457")),
        };
        var chunk = new LegChunkToSign(Chain, _bed.Escrow, 42, 3, Id(99), actions, SignerSetVersion: 1);
        var onChain = await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.LegDigest(42, 3, Id(99), actions)), BlockTag.Latest, CancellationToken.None);
        Assert.Equal(chunk.Digest(), IntentEscrowAbi.DecodeBytes32(onChain));
        Assert.NotEqual(chunk.Digest(), (chunk with { SignerSetVersion = 2 }).Digest());
    }

    [Fact]
    public async Task Submit_ReleaseChunkThenTransferChunk_SettleAndBalancesChangeExactly()
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
        var chunks = TestChunks.Of(Chain, 7, [
            new SettlementAction(ActionKind.Release, released, _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero),
            new SettlementAction(ActionKind.Payout, sourceIntent, _bed.Token.ToBytes32(), payee.ToBytes32(), 2_490_000),
            new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, _bed.Token.ToBytes32(), treasury.ToBytes32(), 1_000_000),
        ]);

        // Two of the three registered signers: the escrow's threshold.
        using var sender = _bed.CreateSender();
        var submitter = Submitter(_bed.Options(), sender, _bed.Signers[0], _bed.Signers[2]);
        var fromBlock = await _bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        var results = new List<ChunkSubmission>();
        foreach (var chunk in chunks)
        {
            results.Add(await submitter.SubmitAsync(chunk, CancellationToken.None));
        }

        Assert.Equal([0u, 1u], results.Select(r => r.Chunk.Index));
        Assert.All(results, r => Assert.Equal(ChunkSubmissionOutcome.Applied, r.Outcome));
        Assert.All(results, r => Assert.NotNull(r.TransactionId));
        Assert.Equal((UInt256)2_490_000, await _bed.TokenBalanceAsync(payee));
        Assert.Equal((UInt256)1_000_000, await _bed.TokenBalanceAsync(treasury));
        Assert.Equal(escrowBalance - 2_490_000 - 1_000_000, await _bed.TokenBalanceAsync(_bed.Escrow));
        Assert.Equal(pool + 2_500_000 - 2_490_000 - 1_000_000, await _bed.PoolBalanceAsync());
        Assert.Equal(2, await _bed.IntentStatusAsync(released));
        Assert.True(IntentEscrowAbi.DecodeBool(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.IsPaid(sourceIntent)), BlockTag.Latest, CancellationToken.None)));

        // A watcher following the escrow sees the settlement events of both transactions.
        var events = await _bed.EventsSinceAsync(fromBlock);
        Assert.Contains(events, e => e is IntentClosed { Released: true, EpochId: 7 } closed && closed.IntentId == released);
        Assert.Contains(events, e => e is PayoutMade payout && payout.SourceIntentId == sourceIntent && payout.Amount == 2_490_000 && payout.Token == _bed.Token);
        Assert.Contains(events, e => e is LegApplied { EpochId: 7, Chunk: 0, ActionCount: 1 } applied && applied.LegHash == chunks[0].ChunkHash());
        Assert.Contains(events, e => e is LegApplied { EpochId: 7, Chunk: 1, ActionCount: 2 } applied && applied.BatchRoot == chunks[1].BatchRoot);

        // The same chunks again: each reports AlreadyApplied and nothing is sent.
        var relayerNonce = await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None);
        foreach (var chunk in chunks)
        {
            var replay = await submitter.SubmitAsync(chunk, CancellationToken.None);
            Assert.Equal(ChunkSubmissionOutcome.AlreadyApplied, replay.Outcome);
            Assert.Null(replay.TransactionId);
        }

        Assert.Equal(relayerNonce, await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None));
        Assert.Equal((UInt256)2_490_000, await _bed.TokenBalanceAsync(payee));
    }

    [Fact]
    public async Task Submit_PayoutToBlockedRecipient_BecomesClaimWithoutBlockingTheChunk()
    {
        await _bed.FundPoolAsync(1_000_000);
        var blocked = EvmAddress.FromPublicKey(EscrowTestbed.Key("blocked-payee").PublicKey);
        var honest = EvmAddress.FromPublicKey(EscrowTestbed.Key("honest-payee").PublicKey);
        await _bed.SendAsync(_bed.Owner, _bed.Token, TestTokenAbi.SetBlocked(blocked, true));
        var fromBlock = await _bed.Rpc.BlockNumberAsync(CancellationToken.None) + 1;
        var chunk = TestChunks.Single(Chain, 12, [
            new SettlementAction(ActionKind.Payout, Id(12_000), _bed.Token.ToBytes32(), blocked.ToBytes32(), 300),
            new SettlementAction(ActionKind.Payout, Id(12_001), _bed.Token.ToBytes32(), honest.ToBytes32(), 700),
        ]);
        using var sender = _bed.CreateSender();

        var result = await Submitter(_bed.Options(), sender, _bed.Signers).SubmitAsync(chunk, CancellationToken.None);

        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        Assert.Equal((UInt256)700, await _bed.TokenBalanceAsync(honest));
        Assert.Equal((UInt256)0, await _bed.TokenBalanceAsync(blocked));
        Assert.Equal((UInt256)300, IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Claimable(_bed.Token, blocked)), BlockTag.Latest, CancellationToken.None)));
        var claim = Assert.Single((await _bed.EventsSinceAsync(fromBlock)).OfType<ClaimCreated>());
        Assert.Equal((blocked, _bed.Token, (UInt256)300, (byte)2, Id(12_000)), (claim.Owner, claim.Token, claim.Amount, claim.Kind, claim.Reference));
    }

    [Fact]
    public async Task Submit_ChunkOverTheGasBudget_RefusedNamingTheChunkBeforeSending()
    {
        var options = _bed.Options();
        options.SettleBaseGas = 100_000;
        options.GasPerAction = 60_000;
        options.MaxGasPerChunk = 100_000 + (3 * 60_000);
        var chunk = TestChunks.Single(Chain, 8, [.. Enumerable.Range(0, 4).Select(i => new SettlementAction(ActionKind.Payout, Id(8000 + (ulong)i), _bed.Token.ToBytes32(), Account(7), 1))]);
        using var sender = _bed.CreateSender(options);
        var submitter = Submitter(options, sender, _bed.Signers);
        var nonce = await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => submitter.SubmitAsync(chunk, CancellationToken.None));

        Assert.Equal(3, submitter.Limits.MaxTransfers);
        Assert.Contains("Epoch 8 chunk 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("3 actions that fit MaxGasPerChunk", error.Message, StringComparison.Ordinal);
        Assert.Equal(nonce, await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None));
    }

    [Fact]
    public async Task Submit_TransferChunkCarryingARelease_RefusedBeforeSending()
    {
        var mixed = new SettlementChunk(Chain, 13, 0, Id(13), ChunkStage.Transfer, [
            new SettlementAction(ActionKind.Release, Id(13_000), _bed.Token.ToBytes32(), Bytes32.Zero, UInt256.Zero),
            new SettlementAction(ActionKind.Payout, Id(13_001), _bed.Token.ToBytes32(), Account(8), 1),
        ]);
        using var sender = _bed.CreateSender();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Submitter(_bed.Options(), sender, _bed.Signers).SubmitAsync(mixed, CancellationToken.None));
        Assert.Contains("Releases travel in chunks of their own", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Submit_AfterAFinalityBreach_RefusedNamingItAndNothingSent()
    {
        await _bed.FundPoolAsync(1_000);
        var chunk = TestChunks.Single(Chain, 14, [new SettlementAction(ActionKind.Payout, Id(14_000), _bed.Token.ToBytes32(), Account(9), 1)]);
        var breach = new FinalityBreach();
        breach.Report("chain 31337: block 7 was 0xaa when 4 blocks buried it and is now 0xbb");
        using var sender = _bed.CreateSender();
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, _bed.Signers.Select(k => (ILegSigner)new LocalLegSigner(k)), _bed.Options(), NullLogger<ChunkSubmitter>.Instance, finalityBreach: breach);
        var nonce = await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ChunkSubmissionException>(() => submitter.SubmitAsync(chunk, CancellationToken.None));

        Assert.Contains("settlement of this chain is stopped: chain 31337: block 7 was 0xaa", error.Message, StringComparison.Ordinal);
        Assert.Equal(14UL, error.EpochId);
        Assert.Equal(nonce, await _bed.Rpc.GetTransactionCountAsync(_bed.Relayer.Address, BlockTag.Latest, CancellationToken.None));
    }

    [Fact]
    public async Task Submit_PayoutBeyondPool_ThrowsWithTheEscrowsErrorName()
    {
        var chunk = TestChunks.Single(Chain, 9, [new SettlementAction(ActionKind.Payout, Id(9000), _bed.Token.ToBytes32(), Account(5), UInt256.Parse("1000000000000000000000000"))]);
        using var sender = _bed.CreateSender();
        var error = await Assert.ThrowsAsync<ChunkSubmissionException>(() => Submitter(_bed.Options(), sender, _bed.Signers).SubmitAsync(chunk, CancellationToken.None));
        Assert.Equal("InsufficientPool", error.ErrorName);
        Assert.Equal(9UL, error.EpochId);
    }

    [Fact]
    public async Task Submit_OneSignatureBelowThreshold_ThrowsInsufficientSignatures()
    {
        var chunk = TestChunks.Single(Chain, 10, [new SettlementAction(ActionKind.Payout, Id(10_000), _bed.Token.ToBytes32(), Account(6), 1)]);
        using var sender = _bed.CreateSender();
        var error = await Assert.ThrowsAsync<ChunkSubmissionException>(() => Submitter(_bed.Options(), sender, _bed.Signers[1]).SubmitAsync(chunk, CancellationToken.None));
        Assert.Equal("InsufficientSignatures", error.ErrorName);
    }

    [Fact]
    public async Task Submit_SignerReturnsHighS_NormalisesAndSettles()
    {
        // A remote signer may hand back the high-s twin of a valid signature (n - s, other parity): it recovers to the
        // same address, but the escrow, like OpenZeppelin's ECDSA, refuses it with SignatureHighS.
        await _bed.FundPoolAsync(1_000);
        var payee = EvmAddress.FromPublicKey(EscrowTestbed.Key("high-s-payee").PublicKey);
        var chunk = TestChunks.Single(Chain, 11, [new SettlementAction(ActionKind.Payout, Id(11_000), _bed.Token.ToBytes32(), payee.ToBytes32(), 11)]);
        using var sender = _bed.CreateSender();
        ILegSigner[] signers = [new HighSLegSigner(new LocalLegSigner(_bed.Signers[0])), new LocalLegSigner(_bed.Signers[1])];
        var submitter = new ChunkSubmitter(_bed.Rpc, sender, signers, _bed.Options(), NullLogger<ChunkSubmitter>.Instance);

        var result = await submitter.SubmitAsync(chunk, CancellationToken.None);

        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        Assert.Equal((UInt256)11, await _bed.TokenBalanceAsync(payee));
    }


    [Fact]
    public async Task AppliedState_ChunkAppliedByAnotherNodeNotYetBuried_IsFinalOnlyBelowTheConfirmationDepth()
    {
        // Found in review: "already applied" was read at the head, so payouts could follow a Release that a reorg
        // still could undo. Another node applies the chunk; ours, at depth 3, must not count it until 3 blocks bury it.
        await _bed.FundPoolAsync(1_000);
        var chunk = TestChunks.Single(Chain, 912, [new SettlementAction(ActionKind.Payout, Id(912_000), _bed.Token.ToBytes32(), Account(12), 12)]);
        using var sender = _bed.CreateSender();
        await Submitter(_bed.Options(), sender, _bed.Signers[0], _bed.Signers[1]).SubmitAsync(chunk, CancellationToken.None);
        var deep = Submitter(_bed.Options(confirmationDepth: 3), sender, _bed.Signers[0], _bed.Signers[1]);

        Assert.Equal(ChunkSubmitter.AppliedState.NotYetFinal, await deep.AppliedStateAsync(chunk, CancellationToken.None));
        await _bed.Rpc.RequestAsync("anvil_mine", ["0x3"], CancellationToken.None);
        Assert.Equal(ChunkSubmitter.AppliedState.Final, await deep.AppliedStateAsync(chunk, CancellationToken.None));
        Assert.Equal(ChunkSubmissionOutcome.AlreadyApplied, (await deep.SubmitAsync(chunk, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Submit_SameChunkIndexAppliedWithOtherContent_ThrowsNamingItInsteadOfReportingItApplied()
    {
        // Found in review: isApplied says only that some chunk with this (epoch, index) applied. Payouts waiting on a
        // Release chunk must not go out because a different chunk took its index.
        await _bed.FundPoolAsync(1_000);
        var applied = TestChunks.Single(Chain, 913, [new SettlementAction(ActionKind.Payout, Id(913_000), _bed.Token.ToBytes32(), Account(13), 13)]);
        var planned = TestChunks.Single(Chain, 913, [new SettlementAction(ActionKind.Payout, Id(913_001), _bed.Token.ToBytes32(), Account(13), 14)]);
        using var sender = _bed.CreateSender();
        var submitter = Submitter(_bed.Options(), sender, _bed.Signers[0], _bed.Signers[1]);
        await submitter.SubmitAsync(applied, CancellationToken.None);

        var error = await Assert.ThrowsAsync<ChunkSubmissionException>(() => submitter.SubmitAsync(planned, CancellationToken.None));

        Assert.Equal("AppliedWithOtherContent", error.ErrorName);
        Assert.Contains(planned.ChunkHash().ToString(), error.Message, StringComparison.Ordinal);
        Assert.Equal(ChunkSubmissionOutcome.AlreadyApplied, (await submitter.SubmitAsync(applied, CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task Submit_ARemoteSignerWithoutASignature_IsLeftOutAndTheOtherTwoReachTheThreshold()
    {
        await _bed.FundPoolAsync(1_000_000);
        var treasury = EvmAddress.FromPublicKey(EscrowTestbed.Key("remote-treasury").PublicKey);
        var chunk = TestChunks.Of(Chain, 91, [new SettlementAction(ActionKind.Withdraw, Bytes32.Zero, _bed.Token.ToBytes32(), treasury.ToBytes32(), 250_000)]).Single();
        using var sender = _bed.CreateSender();
        var absent = new AbsentLegSigner(_bed.Signers[1].Address);
        var submitter = new ChunkSubmitter(
            _bed.Rpc, sender, [new LocalLegSigner(_bed.Signers[0]), absent, new LocalLegSigner(_bed.Signers[2])], _bed.Options(), NullLogger<ChunkSubmitter>.Instance);

        var result = await submitter.SubmitAsync(chunk, CancellationToken.None);

        Assert.Equal(ChunkSubmissionOutcome.Applied, result.Outcome);
        Assert.Equal(1, absent.Asked);
        Assert.Equal((UInt256)250_000, await _bed.TokenBalanceAsync(treasury));
    }

    private ChunkSubmitter Submitter(EvmChainOptions options, TransactionSender sender, params EvmKey[] signers) =>
        new(_bed.Rpc, sender, signers.Select(k => (ILegSigner)new LocalLegSigner(k)), options, NullLogger<ChunkSubmitter>.Instance);

    private async Task<ulong> EscrowNonceAsync() =>
        IntentEscrowAbi.DecodeUInt256(await _bed.Rpc.CallAsync(new CallRequest(_bed.Escrow, IntentEscrowAbi.Nonce()), BlockTag.Latest, CancellationToken.None)).AsUInt64;

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

        public Task<EcdsaSignature> SignAsync(SignerSetToSign signerSet, CancellationToken cancellationToken) => inner.SignAsync(signerSet, cancellationToken);
    }

    private sealed class AbsentLegSigner(EvmAddress address) : ILegSigner
    {
        public int Asked { get; private set; }

        public EvmAddress Address => address;

        public Task<EcdsaSignature> SignAsync(LegChunkToSign chunk, CancellationToken cancellationToken)
        {
            Asked++;
            throw new LegSignatureUnavailableException($"{address} has not attested epoch {chunk.EpochId} chunk {chunk.Chunk}");
        }

        public Task<EcdsaSignature> SignAsync(SignerSetToSign signerSet, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
