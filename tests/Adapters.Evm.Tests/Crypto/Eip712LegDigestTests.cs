using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Tests.Crypto;

/// <summary>
/// The vectors of contracts/evm/test/Vectors.t.sol (escrow 0x9890…2Bd1 on chain 31337, signer key 0x…51), each made
/// with cast: the digests by hand-encoding with <c>cast abi-encode</c>/<c>cast keccak</c>, and the signatures also by
/// cast's own EIP-712 encoder (<c>cast wallet sign --data --from-file</c> over contracts/evm/test/vectors/*.json),
/// which gives the same bytes.
/// </summary>
public class Eip712LegDigestTests
{
    private static readonly ChainId Chain = new(31337);
    private static readonly EvmAddress Escrow = EvmAddress.Parse("0x9890aa0A0fC06237AfF1f8AEd1c2cB40B0862Bd1");
    private static readonly Bytes32 BatchRoot = Bytes32.Parse("0xabababababababababababababababababababababababababababababababab");
    private static readonly EvmKey VectorKey = EvmKey.FromHex("0x0000000000000000000000000000000000000000000000000000000000000051");

    [Fact]
    public void TypeHashes_MatchCast()
    {
        // cast keccak "Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot,uint64 signerSetVersion)"
        Assert.Equal("0x97a790092339afce220da4173463eac62bc487d85fc591a90051f919953e828b", Eip712LegDigest.LegTypeHash.ToString());
        // cast keccak "SignerSet(uint64 version,address[] signers,uint8 threshold,uint64 activatesAt)"
        Assert.Equal("0x5e79070d8327f43c2002f60e8c82c3e9cb110eb6721dca6067ae97ee2c895d4e", Eip712SignerSetDigest.SignerSetTypeHash.ToString());
    }

    [Fact]
    public void DomainSeparator_MatchesCast()
    {
        Assert.Equal("0xc42c54c8b51f48407628f1d452ab16d324541b9bdf33599366f928aa8ca0b0dd", Eip712LegDigest.DomainSeparator(Chain, Escrow).ToString());
    }

    [Fact]
    public void LegDigest_VersionOne_MatchesCastAndCastTypedDataSignature()
    {
        // Vectors.t.sol LEG_DIGEST (epoch 7, chunk 3, the release+payout chunk) and RELEASE_LEG_DIGEST (chunk 0).
        var chunkHash = Bytes32.Parse("0xffb7115d37b44e1079d247290ee489507ffd604e77e67d5f04922a7eafa88a39");
        Assert.Equal("0x52729c4063853a4ac277a7ae4eaf5082cb60559ed7e0ff7bc55ac9b793702f55", Eip712LegDigest.Compute(Chain, Escrow, 7, 3, chunkHash, BatchRoot, 1).ToString());

        var releaseChunkHash = Bytes32.Parse("0x93bb99e488a71eb9776ddc5a26f607127cea6c10fa342857e552c462d72ccd52");
        var digest = Eip712LegDigest.Compute(Chain, Escrow, 7, 0, releaseChunkHash, BatchRoot, 1);
        Assert.Equal("0x2d110bb5568fc4624ea86e023d788f54676add9d7a1f67527baa959f1378bfd4", digest.ToString());
        // cast wallet sign --data --from-file --private-key 0x…51 contracts/evm/test/vectors/leg-v2.json
        Assert.Equal(
            "0xa1de9763bf0b9f3e32e6a4b596745f2d4d708fea42c2d0f0835c463eaf1f23600edac564e25743c2bc45b8712bb652d7a3118e647010700d83a063e3632a19ba1b",
            Hex.Encode(VectorKey.SignHash(digest.ToArray()).ToRsv()));
    }

    [Fact]
    public void LegDigest_OtherVersion_Differs()
    {
        var chunkHash = Bytes32.Parse("0x93bb99e488a71eb9776ddc5a26f607127cea6c10fa342857e552c462d72ccd52");
        Assert.NotEqual(Eip712LegDigest.Compute(Chain, Escrow, 7, 0, chunkHash, BatchRoot, 1), Eip712LegDigest.Compute(Chain, Escrow, 7, 0, chunkHash, BatchRoot, 2));
    }

    [Fact]
    public void SignerSetDigest_MatchesCastAndCastTypedDataSignature()
    {
        EvmAddress[] signers = [EvmAddress.Parse("0x3333333333333333333333333333333333333333"), EvmAddress.Parse("0xafd46e3549CC63d7a240D6177D056857679e6F99")];
        var digest = Eip712SignerSetDigest.Compute(Chain, Escrow, 2, signers, 1, 1_767_232_800);
        Assert.Equal("0xce0c608cdc780f25a1e9546a27bc4a9d91175574a43240c1b5b7d27e3150875b", digest.ToString());
        // cast wallet sign --data --from-file --private-key 0x…51 contracts/evm/test/vectors/signer-set.json
        Assert.Equal(
            "0xfa55bf24cc4f25bfd8c754fe732f04779985354fe4cf18077b4d27178e4aa18f6ae1f21f5cdea7a646ed609bf36d605926207c1e25d74851d0abf520ebc4f57e1c",
            Hex.Encode(VectorKey.SignHash(digest.ToArray()).ToRsv()));
    }
}
