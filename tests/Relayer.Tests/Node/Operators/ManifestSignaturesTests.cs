using DiscreteExec.Adapters.Evm;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;

namespace DiscreteExec.Relayer.Tests.Node.Operators;

// Vectors produced with cast (foundry 1.7.1, the npm package of contracts/evm), independently of this code. The set:
// chain 31337, escrow 0x5FbDB2315678afecb367f032d93F642f64180aa3, threshold 2, operators anvil #1, #2, #0 (A1 A2 A0):
//   SALT=$(cast keccak $(cast abi-encode "f(uint256,address,uint256,address[])" 31337 $ESCROW 2 "[$A1,$A2,$A0]"))
//   TH=$(cast keccak "EpochProposal(uint64 epochId,uint32 round,uint32 proposerIndex,bytes32 manifestHash)")
//   DOM=$(cast keccak $(cast abi-encode "f(bytes32,bytes32,bytes32,bytes32)" $(cast keccak "EIP712Domain(string name,string version,bytes32 salt)") $(cast keccak "DiscreteExec Operator Set") $(cast keccak "1") $SALT))
//   ST=$(cast keccak $(cast abi-encode "f(bytes32,uint64,uint32,uint32,bytes32)" $TH $EPOCH $ROUND $INDEX $MH)); cast keccak $(cast concat-hex 0x1901 $DOM $ST)
// and the signature with the typed data itself (alloy's EIP-712 encoder; `cast wallet sign --no-hash <digest>` gives the same):
//   cast wallet sign --data --from-file proposal.json --private-key 0xac09…ff80   (primaryType EpochProposal, domain {name, version, salt};
//   message {epochId 7, round 0 or 1, proposerIndex 2, manifestHash})
public sealed class ManifestSignaturesTests
{
    private const string ManifestHash = "0x5c0d3f1e9a7b2c4d6e8f00112233445566778899aabbccddeeff001122334455";
    private const ulong Chain = 31337;
    private static readonly EvmKey AnvilKey = EvmKey.FromHex("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"); // 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
    private static readonly EvmAddress Escrow = EvmAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private static readonly EvmAddress[] Operators = [EvmAddress.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8"), EvmAddress.Parse("0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"), AnvilKey.Address];
    private static readonly Bytes32 Salt = Eip712ProposalDigest.OperatorSetSalt(Chain, Escrow, 2, Operators);

    [Fact]
    public void SaltDomainAndType_CastVectors_Match()
    {
        Assert.Equal(Bytes32.Parse("0x57edc10d0a3b09a3ba905c4db6ed88f04a07943cf6e1572d1cdf9109aa781a95"), Salt);
        Assert.Equal(Bytes32.Parse("0x01f0145c9746ffd7706c8be99aad7dffb9ae516c0ee7f8d5ef1e06ab0120e405"), Eip712ProposalDigest.ProposalTypeHash);
        Assert.Equal(Bytes32.Parse("0xe235dc57d6f94bf2669af6de5eb31e67126fc3431dfb2a214ebd794b8fc06d38"), Eip712ProposalDigest.DomainSeparator(Salt));
    }

    [Theory]
    [InlineData(7ul, 0u, 2u, "0xc933bf40b1e7f2509bbf9220ca6294d6c2714f75f9fc602f25e9ed3b6fe71024", "0x42b4368ab4640c0668ce0561a399ae7ec8ed53687b3bd06c679f129793ace0b2")]
    [InlineData(7ul, 1u, 2u, "0x8178a302b56acfda7ac7b98ee37dadc28febcc024ad566e1ddd689a1a88733f5", "0x68bc9664c0c19c86f3b810ec56ebb9cbf617edd25e1ea911bc5a03202c9cda82")]
    [InlineData(ulong.MaxValue, uint.MaxValue, uint.MaxValue, "0x5a112e089338e6e39a28cc2020732edbe051efd22c6c20c12017a70691e80276", "0xa1258d51ad56470daa0a598ccef4da23eddecb52fb964e07af321575df36491f")]
    public void Compute_CastVectors_Match(ulong epochId, uint round, uint proposerIndex, string structHash, string digest)
    {
        Assert.Equal(Bytes32.Parse(structHash), Eip712ProposalDigest.StructHash(epochId, round, proposerIndex, Bytes32.Parse(ManifestHash)));
        Assert.Equal(Bytes32.Parse(digest), Eip712ProposalDigest.Compute(Eip712ProposalDigest.DomainSeparator(Salt), epochId, round, proposerIndex, Bytes32.Parse(ManifestHash)));
    }

    [Theory]
    [InlineData(0u, "aa3c474be55e27a070f588e70e87f52391502fca082c7e32970d9a9b962187f665ff4a3acb571b8eaebd04205f47e431fbc607cdde0a97df95d005b46adcec511b")]
    [InlineData(1u, "c3060fb52d82f97c9e505ce83e95c653d54778d0618d2dd009653384bc363bc43ac1f25925167a2b1146ccf7b8c9bfdbf541c1ab7054a6406f11c45de2e4ba311c")]
    public void Sign_AnvilKey_IsCastsTypedDataSignatureAndVerifies(uint round, string expected)
    {
        var signatures = new ManifestSignatures(AnvilKey, 2, Operators, Salt);

        var signed = signatures.Sign(Proposal(7, 2) with { Round = round });

        Assert.Equal(expected, Convert.ToHexStringLower(signed.ProposerSignature!));
        Assert.Null(signatures.Fault(signed));
    }

    [Fact]
    public void Fault_SignedForAnotherDeploymentWithTheSameKeys_DoesNotVerify()
    {
        var signed = new ManifestSignatures(AnvilKey, 2, Operators, Salt).Sign(Proposal(7, 2));

        // The same keys and threshold around another escrow, on another chain, or with another threshold.
        Bytes32[] others =
        [
            Eip712ProposalDigest.OperatorSetSalt(Chain, EvmAddress.Parse("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"), 2, Operators),
            Eip712ProposalDigest.OperatorSetSalt(1, Escrow, 2, Operators),
            Eip712ProposalDigest.OperatorSetSalt(Chain, Escrow, 3, Operators),
        ];
        Assert.All(others, salt => Assert.NotNull(new ManifestSignatures(AnvilKey, 2, Operators, salt).Fault(signed)));
    }

    [Fact]
    public void Fault_HighSTwinOrVOfZeroOrOne_IsRefusedThoughItRecoversTheSameKey()
    {
        var signatures = new ManifestSignatures(AnvilKey, 2, Operators, Salt);
        var signature = signatures.Sign(Proposal(7, 2)).ProposerSignature!;
        // n - s (computed outside this code) with the other y parity: the same signer by ecrecover, a second form.
        var twin = (byte[])signature.Clone();
        Convert.FromHexString("9a00b5c534a8e4715142fbdfa0b81bccbee8d518d13e085c2a0258d8655954f0").CopyTo(twin, 32);
        twin[64] = 28;
        var lowV = (byte[])signature.Clone();
        lowV[64] = 1;

        Assert.Equal(AnvilKey.Address, EvmAddress.FromPublicKey(Secp256k1.Recover(Eip712ProposalDigest.Compute(Eip712ProposalDigest.DomainSeparator(Salt), 7, 0, 2, Bytes32.Parse(ManifestHash)).ToArray(), EcdsaSignature.FromRsv(twin))));
        Assert.Contains("canonical", signatures.Fault(Proposal(7, 2) with { ProposerSignature = twin }), StringComparison.Ordinal);
        Assert.Contains("canonical", signatures.Fault(Proposal(7, 2) with { ProposerSignature = lowV }), StringComparison.Ordinal);
    }

    [Fact]
    public void Fault_SignedByAnotherOperatorsKeyUnderTheProposersIndex_NamesBothAddresses()
    {
        var proposers = new[] { OperatorCluster.ManifestKey(0).Address, OperatorCluster.ManifestKey(1).Address, OperatorCluster.ManifestKey(2).Address };
        var mallory = OperatorCluster.Signatures(2, 3, 2);

        // Operator 2 signs a manifest that names operator 1's index (its own signature, another's seat).
        var forged = mallory.Sign(Proposal(7, 1));

        var fault = mallory.Fault(forged);
        Assert.NotNull(fault);
        Assert.Contains(proposers[2].ToString(), fault, StringComparison.Ordinal);
        Assert.Contains(proposers[1].ToString(), fault, StringComparison.Ordinal);
    }

    [Fact]
    public void Fault_SignatureMovedToAnotherEpochRoundOrHash_DoesNotVerify()
    {
        var signatures = OperatorCluster.Signatures(1, 2, 2);
        var signed = signatures.Sign(Proposal(7, 1));

        Assert.NotNull(signatures.Fault(signed with { EpochId = 8 }));
        Assert.NotNull(signatures.Fault(signed with { Round = 1 })); // a signature of round 0 does not pass for round 1
        Assert.NotNull(signatures.Fault(signed with { ManifestHash = Bytes32.FromUInt64(1) }));
        Assert.NotNull(signatures.Fault(signed with { ProposerSignature = null }));
        Assert.NotNull(signatures.Fault(signed with { ProposerSignature = new byte[65] })); // r = s = 0: recovers to no key
        Assert.NotNull(signatures.Fault(signed with { ProposerSignature = signed.ProposerSignature![..64] }));
    }

    [Fact]
    public void Constructor_KeyIsNotTheConfiguredAddressAtItsIndex_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new ManifestSignatures(OperatorCluster.ManifestKey(0), 1, [OperatorCluster.ManifestKey(0).Address, OperatorCluster.ManifestKey(1).Address], Salt));
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
