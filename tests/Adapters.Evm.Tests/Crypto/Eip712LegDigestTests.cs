using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Core;

namespace DiscreteExec.Adapters.Evm.Tests.Crypto;

public class Eip712LegDigestTests
{
    private static readonly EvmAddress Escrow = EvmAddress.Parse("0x5FbDB2315678afecb367f032d93F642f64180aa3");
    private static readonly Bytes32 ChunkHash = Bytes32.Parse("0x1111111111111111111111111111111111111111111111111111111111111111");
    private static readonly Bytes32 BatchRoot = Bytes32.Parse("0x2222222222222222222222222222222222222222222222222222222222222222");

    [Fact]
    public void LegTypeHash_MatchesCast()
    {
        // cast keccak "Leg(uint64 epochId,uint32 chunk,bytes32 chunkHash,bytes32 batchRoot)"
        Assert.Equal("0xa5118d95f4c044fd77af79a8075d6560718dd8dc01968a7f5da1faad254ff9fc", Eip712LegDigest.LegTypeHash.ToString());
    }

    [Fact]
    public void DomainSeparatorAndStructHash_MatchCast()
    {
        // cast keccak $(cast abi-encode 'f(bytes32,bytes32,bytes32,uint256,address)' $(cast keccak 'EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)') $(cast keccak DiscreteExec) $(cast keccak 1) 31337 0x5FbDB2315678afecb367f032d93F642f64180aa3)
        Assert.Equal("0x8d3da2446b7a264ef869f243846240eab1c3f602f59a3df844f9239fc2bb5033", Eip712LegDigest.DomainSeparator(new ChainId(31337), Escrow).ToString());
        // cast keccak $(cast abi-encode 'f(bytes32,uint64,uint32,bytes32,bytes32)' <LEG_TYPEHASH> 7 2 0x11…11 0x22…22)
        Assert.Equal("0x383490b2a8a6245008e9ae1a2fafc4251810cf1f183bbb3aca232310ed572b90", Eip712LegDigest.StructHash(7, 2, ChunkHash, BatchRoot).ToString());
    }

    [Fact]
    public void Compute_MatchesCastTypedDataSignature()
    {
        // cast keccak 0x1901<domainSeparator><structHash>
        var digest = Eip712LegDigest.Compute(new ChainId(31337), Escrow, 7, 2, ChunkHash, BatchRoot);
        Assert.Equal("0x0b8017f75dfaadafce5434177f517ddec958828440aa2d622136061b39751a1f", digest.ToString());

        // cast wallet sign --private-key 0x4c08…2318 --data --from-file leg.json (the same Leg as EIP-712 typed data)
        var signature = EvmKey.FromHex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318").SignHash(digest.ToArray());
        Assert.Equal("0x2f74e9dbd524b781fa57271b33dbc36d04ae4fa84309564e34701ea6feb6d34c3267760c87573d297ca944a59ca7a7cde1b20704abb02b2126e1464f15fca8f81c", Hex.Encode(signature.ToRsv()));
    }
}
