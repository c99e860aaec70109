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
