using System.Numerics;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Adapters.Evm.Transactions;

namespace DiscreteExec.Adapters.Evm.Tests.Transactions;

public class Eip1559TransactionTests
{
    private static readonly EvmKey Key = EvmKey.FromHex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
    private static readonly EvmAddress To = EvmAddress.Parse("0x3535353535353535353535353535353535353535");

    [Fact]
    public void Sign_ValueTransfer_MatchesCastMktx()
    {
        // cast mktx --private-key 0x4c08…2318 --chain 1 --nonce 7 --gas-limit 21000 --gas-price 30000000000
        //   --priority-gas-price 2000000000 0x3535353535353535353535353535353535353535 --value 1000000000000000000
        var transaction = new Eip1559Transaction
        {
            ChainId = 1,
            Nonce = 7,
            MaxPriorityFeePerGas = 2_000_000_000,
            MaxFeePerGas = 30_000_000_000,
            GasLimit = 21_000,
            To = To,
            Value = BigInteger.Pow(10, 18),
        };
        var signed = transaction.Sign(Key);
        Assert.Equal(
            "0x02f873010784773594008506fc23ac00825208943535353535353535353535353535353535353535880de0b6b3a764000080c080a0d9c371a2d60ce5823165fa36bab399e70b84f2c47a55706735fd5320bee4b6ffa029174e215b0a33349d984ce2e24d08dfe50cb44c4feed3bf1e516248cedf5f18",
            Hex.Encode(signed.Raw));
        // cast keccak <raw>
        Assert.Equal("0xb8924295b4ffc3e0e2eb35344addc2d0d8e8fff2733dec1a27d55001a910f0cd", signed.Hash.ToString());
    }

    [Fact]
    public void Sign_ContractCall_MatchesCastMktx()
    {
        // cast mktx --private-key 0x4c08…2318 --chain 31337 --nonce 0 --gas-limit 100000 --gas-price 2000000000
        //   --priority-gas-price 1000000000 0x3535…35 "transfer(address,uint256)" 0x000000000000000000000000000000000000dEaD 12345
        var transfer = AbiFunction.Parse("transfer(address,uint256)");
        var transaction = new Eip1559Transaction
        {
            ChainId = 31337,
            Nonce = 0,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 2_000_000_000,
            GasLimit = 100_000,
            To = To,
            Data = transfer.EncodeCall(EvmAddress.Parse("0x000000000000000000000000000000000000dEaD"), 12345),
        };
        Assert.Equal(
            "0x02f8b2827a6980843b9aca008477359400830186a094353535353535353535353535353535353535353580b844a9059cbb000000000000000000000000000000000000000000000000000000000000dead0000000000000000000000000000000000000000000000000000000000003039c001a04c20d15c410b2f89eeb6853e06de857aad8c0442274d9f0b02ab810f5efed7cba03d7309df94c5db61350b5868967b0f21f24530403d3c74dfba80c4cbaaa8a556",
            Hex.Encode(transaction.Sign(Key).Raw));
    }

    [Theory]
    // Besu's EIP-1559 vectors (chain 7822, "aleut"), as ethereumjs ships them in packages/tx/test/json/eip1559.json;
    // the published value is the typed transaction wrapped once more as an RLP byte string.
    [InlineData(819UL, 43203529UL, 35552UL, 75853UL, 121212UL, "0xb87302f870821e8e8203338301284d8301d97c828ae094000000000000000000000000000000000000aaaa8402933bc980c080a0d067f2167008c59219652f91cbf8788dbca5f771f6e91e2b7657e85b78b472e0a01d305af9fe81fdba43f0dfcd400ed24dcace0a7e30d4e85701dcaaf484cd079e")]
    [InlineData(353UL, 61901619UL, 32593UL, 38850UL, 136295UL, "0xb87202f86f821e8e8201618297c283021467827f5194000000000000000000000000000000000000aaaa8403b08b3380c001a004205678f13fc1d7b10feea6513dfa76e24418b6e08097d95c6f93a3b64e536da01d45ad61bfece43862de2cce7d2575a8c1d08c26c87f3cb5f26d7b0be54a91b2")]
    [InlineData(119UL, 65456115UL, 62341UL, 24721UL, 107729UL, "0xb87002f86d821e8e778260918301a4d182f38594000000000000000000000000000000000000aaaa8403e6c7f380c001a0e38e239770801eb995498c821e55ac9c19ae09184bb27b34be105e02fe3b7615a067c64ca6bd6d9107e85fd581ab2e70a14b637eb36505bb40861ef9d6e800cab6")]
    public void Sign_BesuVectors_MatchPublishedRlp(ulong nonce, ulong value, ulong gasLimit, ulong tip, ulong maxFee, string wrapped)
    {
        var key = EvmKey.FromHex("0x8f2a55949038a9610f50fb23b5883af3b4ecb3c3bb792cbcefbd1542c692be63");
        var transaction = new Eip1559Transaction
        {
            ChainId = 7822,
            Nonce = nonce,
            MaxPriorityFeePerGas = tip,
            MaxFeePerGas = maxFee,
            GasLimit = gasLimit,
            To = EvmAddress.Parse("0x000000000000000000000000000000000000aaaa"),
            Value = value,
        };
        var expected = Rlp.Decode(Hex.Decode(wrapped)).Bytes!;
        Assert.Equal(Hex.Encode(expected), Hex.Encode(transaction.Sign(key).Raw));
    }

    [Fact]
    public void Decode_CastTransaction_RecoversFieldsAndSender()
    {
        var raw = Hex.Decode("0x02f873010784773594008506fc23ac00825208943535353535353535353535353535353535353535880de0b6b3a764000080c080a0d9c371a2d60ce5823165fa36bab399e70b84f2c47a55706735fd5320bee4b6ffa029174e215b0a33349d984ce2e24d08dfe50cb44c4feed3bf1e516248cedf5f18");
        var decoded = Eip1559Transaction.Decode(raw);
        Assert.Equal(7UL, decoded.Transaction.Nonce);
        Assert.Equal(To, decoded.Transaction.To);
        Assert.Equal(new BigInteger(30_000_000_000), decoded.Transaction.MaxFeePerGas);
        Assert.Equal(Key.Address, decoded.RecoverSender());
        Assert.Equal(raw, decoded.Transaction.WithSignature(decoded.Signature).Raw);
    }
}
