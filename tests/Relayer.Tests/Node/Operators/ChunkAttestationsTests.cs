using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Submission;
using DiscreteExec.Core;
using DiscreteExec.Core.Settlement;
using DiscreteExec.Relayer.Node.Operators;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

public sealed class ChunkAttestationsTests
{
    private static readonly EvmKey[] Operators = [EvmKey.FromHex("0x" + new string('1', 64)), EvmKey.FromHex("0x" + new string('2', 64)), EvmKey.FromHex("0x" + new string('3', 64))];
    private static readonly EvmKey Outsider = EvmKey.FromHex("0x" + new string('4', 64));
    private static readonly LegChunkToSign Chunk = new(
        new ChainId(31337), EvmAddress.Parse("0x5fbdb2315678afecb367f032d93f642f64180aa3"), 7, 2, Bytes32.FromUInt64(0xBEEF),
        [new SettlementAction(ActionKind.Payout, Bytes32.FromUInt64(1), Bytes32.FromUInt64(0xA), Bytes32.FromUInt64(0xE1), 990_000)], SignerSetVersion: 1);

    private static ChunkAttestations Collector(LegChunkToSign chunk) => new(
        chunk.EpochId, chunk.ChainId, chunk.Chunk, chunk.BatchRoot, chunk.Digest(), [.. Operators.Select(k => k.Address.ToString())], threshold: 2, ChunkAttestations.EvmSignatureVerifies);

    private static Task<Core.Messages.LegAttested> Attest(EvmKey key, LegChunkToSign chunk) => EvmAttestation.SignAsync(new LocalLegSigner(key), chunk, CancellationToken.None);

    [Fact]
    public async Task Add_TwoOfThreeOperators_ReachesTheThresholdOnTheSecondInOperatorOrder()
    {
        var collector = Collector(Chunk);

        Assert.Equal(AttestationOutcome.Counted, collector.Add(await Attest(Operators[2], Chunk)));
        Assert.False(collector.HasThreshold);
        Assert.Equal(AttestationOutcome.ThresholdReached, collector.Add(await Attest(Operators[0], Chunk)));

        Assert.Equal([Operators[0].Address.ToString(), Operators[2].Address.ToString()], collector.Counted.Select(a => a.Signer));
        Assert.Equal(AttestationOutcome.Counted, collector.Add(await Attest(Operators[1], Chunk)));
    }

    /// <summary>
    /// The escrow refuses an s above n/2, so a high-s twin of a real attestation (n − s, the other parity: ecrecover
    /// still gives the operator's address) must not count toward the threshold: the submitter would send a chunk the
    /// escrow reverts.
    /// </summary>
    [Fact]
    public async Task Add_HighSTwinOfARealAttestation_IsRefusedThoughItRecoversTheOperator()
    {
        var collector = Collector(Chunk);
        var real = await Attest(Operators[1], Chunk);
        var order = System.Numerics.BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);
        var s = new System.Numerics.BigInteger(real.Signature.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        var twin = (byte[])real.Signature.Clone();
        Array.Clear(twin, 32, 32);
        (order - s).ToByteArray(isUnsigned: true, isBigEndian: true).CopyTo(twin.AsSpan(64 - (order - s).GetByteCount(isUnsigned: true)));
        twin[64] = (byte)(real.Signature[64] == 27 ? 28 : 27);
        Assert.Equal(Operators[1].Address, EvmAddress.FromPublicKey(Secp256k1.Recover(Chunk.Digest().ToArray(), EcdsaSignature.FromRsv(twin))));

        Assert.Equal(AttestationOutcome.Refused, collector.Add(real with { Signature = twin }));
        Assert.Equal(AttestationOutcome.Counted, collector.Add(real));
    }

    [Fact]
    public async Task Add_RedeliveredAttestation_IsCountedOnce()
    {
        var collector = Collector(Chunk);
        var attestation = await Attest(Operators[1], Chunk);

        collector.Add(attestation);

        Assert.Equal(AttestationOutcome.Duplicate, collector.Add(attestation));
        Assert.Single(collector.Counted);
    }

    [Fact]
    public async Task Add_OutsiderOtherChunkOrForgedSigner_AreRefused()
    {
        var collector = Collector(Chunk);
        var otherVersion = await Attest(Operators[0], Chunk with { SignerSetVersion = 2 });
        var forged = await Attest(Outsider, Chunk) with { Signer = Operators[1].Address.ToString() };

        Assert.Equal(AttestationOutcome.Refused, collector.Add(await Attest(Outsider, Chunk)));
        Assert.Equal(AttestationOutcome.Refused, collector.Add(otherVersion));
        Assert.Equal(AttestationOutcome.Refused, collector.Add(forged));
        Assert.Empty(collector.Counted);
    }

    [Fact]
    public async Task CollectedLegSigner_SameChunk_GivesTheOperatorsSignatureAndRefusesAnotherVersion()
    {
        var attestation = await Attest(Operators[1], Chunk);
        var signer = new CollectedLegSigner(attestation);

        var signature = await signer.SignAsync(Chunk, CancellationToken.None);

        Assert.Equal(Operators[1].Address, EvmAddress.FromPublicKey(Secp256k1.Recover(Chunk.Digest().ToArray(), signature)));
        await Assert.ThrowsAsync<ChunkSubmissionException>(() => signer.SignAsync(Chunk with { SignerSetVersion = 2 }, CancellationToken.None));
    }
}
