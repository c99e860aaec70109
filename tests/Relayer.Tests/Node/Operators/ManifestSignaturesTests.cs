using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

// Vectors produced with cast (foundry 1.7.1, the npm package of contracts/evm), independently of this code:
//   TH=$(cast keccak "EpochProposal(uint64 epochId,uint32 proposerIndex,bytes32 manifestHash)")
//   DOM=$(cast keccak $(cast abi-encode "f(bytes32,bytes32,bytes32)" $(cast keccak "EIP712Domain(string name,string version)") $(cast keccak "DiscreteExec Operator Set") $(cast keccak "1")))
//   ST=$(cast keccak $(cast abi-encode "f(bytes32,uint64,uint32,bytes32)" $TH $EPOCH $INDEX $MH)); cast keccak $(cast concat-hex 0x1901 $DOM $ST)
// and the signature with the typed data itself (alloy's EIP-712 encoder; `cast wallet sign --no-hash <digest>` gives the same):
//   cast wallet sign --data --from-file proposal.json --private-key 0xac09…ff80   (primaryType EpochProposal, domain {name, version})
public sealed class ManifestSignaturesTests
{
    private const string ManifestHash = "0x5c0d3f1e9a7b2c4d6e8f00112233445566778899aabbccddeeff001122334455";
    private static readonly EvmKey AnvilKey = EvmKey.FromHex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"); // 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266

    [Fact]
    public void DomainAndType_CastVectors_Match()
    {
        Assert.Equal(Bytes32.Parse("0x9e6f33b8d9ae55321d422191c6211743d7da1ed7933939987c612ef3bda0ad2c"), Eip712ProposalDigest.ProposalTypeHash);
        Assert.Equal(Bytes32.Parse("0x914aef4418b076e24f17b81339e8325b04469cc9a5ac15b39bff305b0adb83f1"), Eip712ProposalDigest.DomainSeparator);
    }

    [Theory]
    [InlineData(7ul, 2u, "0xf6325b18d4e4e59af289788626ffbdd81cce1aa74c64ea44e0f46be92c8f3824", "0xc4d149f2829d4ef13599a16179dbbf0d4b64064d2c1554f3dadfd4abbee661b4")]
    [InlineData(ulong.MaxValue, uint.MaxValue, "0x4e79870fa907de696c79a8142fb7e175d770350559ecc56f3fcb72801ddd5d1b", "0x689c2007faba8677f467cfa457cb9637faf157d44f07fb3aa6f8bc0eba2de674")]
    public void Compute_CastVectors_Match(ulong epochId, uint proposerIndex, string structHash, string digest)
    {
        Assert.Equal(Bytes32.Parse(structHash), Eip712ProposalDigest.StructHash(epochId, proposerIndex, Bytes32.Parse(ManifestHash)));
        Assert.Equal(Bytes32.Parse(digest), Eip712ProposalDigest.Compute(epochId, proposerIndex, Bytes32.Parse(ManifestHash)));
    }

    [Fact]
    public void Sign_AnvilKey_IsCastsTypedDataSignatureAndVerifies()
    {
        var signatures = new ManifestSignatures(AnvilKey, 2, [OperatorCluster.ManifestKey(0).Address, OperatorCluster.ManifestKey(1).Address, AnvilKey.Address]);

        var signed = signatures.Sign(Proposal(7, 2));

        Assert.Equal(
            "607358a39d44e6c7fdaa0e2897b17d8fe518800b63f80cc695fa89eec725ffe52e64ff7af789744c9620b82393364ea53f8b782a783604a7024489ccaa6f297b1b",
            Convert.ToHexStringLower(signed.ProposerSignature!));
        Assert.Null(signatures.Fault(signed));
    }

    [Fact]
    public void Fault_SignedByAnotherOperatorsKeyUnderTheProposersIndex_NamesBothAddresses()
    {
        var proposers = new[] { OperatorCluster.ManifestKey(0).Address, OperatorCluster.ManifestKey(1).Address, OperatorCluster.ManifestKey(2).Address };
        var mallory = new ManifestSignatures(OperatorCluster.ManifestKey(2), 2, proposers);

        // Operator 2 signs a manifest that names operator 1's index (its own signature, another's seat).
        var forged = mallory.Sign(Proposal(7, 1));

        var fault = mallory.Fault(forged);
        Assert.NotNull(fault);
        Assert.Contains(proposers[2].ToString(), fault, StringComparison.Ordinal);
        Assert.Contains(proposers[1].ToString(), fault, StringComparison.Ordinal);
    }

    [Fact]
    public void Fault_SignatureMovedToAnotherEpochOrHash_DoesNotVerify()
    {
        var signatures = new ManifestSignatures(OperatorCluster.ManifestKey(1), 1, [OperatorCluster.ManifestKey(0).Address, OperatorCluster.ManifestKey(1).Address]);
        var signed = signatures.Sign(Proposal(7, 1));

        Assert.NotNull(signatures.Fault(signed with { EpochId = 8 }));
        Assert.NotNull(signatures.Fault(signed with { ManifestHash = Bytes32.FromUInt64(1) }));
        Assert.NotNull(signatures.Fault(signed with { ProposerSignature = null }));
        Assert.NotNull(signatures.Fault(signed with { ProposerSignature = new byte[65] })); // r = s = 0: recovers to no key
        Assert.NotNull(signatures.Fault(signed with { ProposerSignature = signed.ProposerSignature![..64] }));
    }

    [Fact]
    public void Constructor_KeyIsNotTheConfiguredAddressAtItsIndex_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new ManifestSignatures(OperatorCluster.ManifestKey(0), 1, [OperatorCluster.ManifestKey(0).Address, OperatorCluster.ManifestKey(1).Address]));
        Assert.Contains("operator 1", error.Message, StringComparison.Ordinal);
    }

    private static EpochProposed Proposal(ulong epochId, int proposerIndex) => new()
    {
        EpochId = epochId,
        ProposerIndex = proposerIndex,
        ProposerId = $"op-{proposerIndex}",
        ClosesAt = 1_700_000_000,
        FeeBps = 10,
        SpreadBps = 50,
        SettlementMarginSeconds = 60,
        Prices = [],
        Cursors = [],
        IntentIds = [],
        Pools = [],
        ManifestHash = Bytes32.Parse(ManifestHash),
        BatchRoot = Bytes32.FromUInt64(8),
    };
}
