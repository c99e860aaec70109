using System.Numerics;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Encoding;

namespace DiscreteExec.Adapters.Evm.Tests.Abi;

public class ContractAbiTests
{
    private const string Json = """
        [
          {"type":"function","name":"poolBalance","stateMutability":"view","inputs":[{"name":"token","type":"address"}],"outputs":[{"name":"","type":"uint256"}]},
          {"type":"function","name":"settle","stateMutability":"nonpayable","inputs":[
            {"name":"epochId","type":"uint64"},{"name":"chunk","type":"uint32"},{"name":"batchRoot","type":"bytes32"},
            {"name":"actions","type":"tuple[]","components":[{"name":"kind","type":"uint8"},{"name":"intentId","type":"bytes32"},{"name":"token","type":"bytes32"},{"name":"account","type":"bytes32"},{"name":"amount","type":"uint256"}]},
            {"name":"signatures","type":"bytes[]"}],"outputs":[]},
          {"type":"event","name":"LegApplied","anonymous":false,"inputs":[{"name":"epochId","type":"uint64","indexed":true},{"name":"chunk","type":"uint32","indexed":false},{"name":"legHash","type":"bytes32","indexed":false},{"name":"batchRoot","type":"bytes32","indexed":false},{"name":"actionCount","type":"uint256","indexed":false}]},
          {"type":"error","name":"InsufficientPool","inputs":[{"name":"token","type":"address"},{"name":"available","type":"uint256"},{"name":"requested","type":"uint256"}]}
        ]
        """;

    [Fact]
    public void Function_TupleArrayFromJson_HasCastSelector()
    {
        // cast calldata 'settle(uint64,uint32,bytes32,(uint8,bytes32,bytes32,bytes32,uint256)[],bytes[])' … → 0x520c7f8c…
        var settle = ContractAbi.FromJson(Json).Function("settle");
        Assert.Equal("settle(uint64,uint32,bytes32,(uint8,bytes32,bytes32,bytes32,uint256)[],bytes[])", settle.Signature);
        Assert.Equal("0x520c7f8c", Hex.Encode(settle.Selector));
    }

    [Fact]
    public void DecodeError_CustomError_GivesNameAndArguments()
    {
        // cast sig 'InsufficientPool(address,uint256,uint256)' → 0x9eca380d;
        // cast abi-encode 'f(address,uint256,uint256)' 0x5aAe…BeAed 5 9
        var data = Hex.Decode("0x9eca380d0000000000000000000000005aaeb6053f3e94c9b9a09f33669435e7ef1beaed00000000000000000000000000000000000000000000000000000000000000050000000000000000000000000000000000000000000000000000000000000009");
        var error = ContractAbi.FromJson(Json).DecodeError(data);
        Assert.NotNull(error);
        Assert.Equal("InsufficientPool", error.Name);
        Assert.Equal(new BigInteger(9), error.Arguments[2]);
    }

    [Fact]
    public void DecodeError_ErrorString_IsDecoded()
    {
        // cast calldata 'Error(string)' "boom"
        var data = AbiFunction.Parse("Error(string)").EncodeCall("boom");
        var error = ContractAbi.FromJson(Json).DecodeError(data);
        Assert.Equal("Error", error!.Name);
        Assert.Equal("boom", error.Arguments[0]);
    }

    [Fact]
    public void DecodeError_UnknownSelector_IsNull() =>
        Assert.Null(ContractAbi.FromJson(Json).DecodeError(Hex.Decode("0xdeadbeef")));

    [Fact]
    public void Event_Decode_SplitsTopicsAndData()
    {
        var legApplied = ContractAbi.FromJson(Json).Event("LegApplied");
        var data = AbiEncoder.Encode([AbiType.Uint(32), AbiType.FixedBytes(32), AbiType.FixedBytes(32), AbiType.Uint(256)], [2U, new byte[32], new byte[32], 5]);
        var values = legApplied.Decode([legApplied.Topic0, DiscreteExec.Core.Bytes32.FromUInt64(7)], data);
        Assert.Equal(new BigInteger(7), values[0]);
        Assert.Equal(new BigInteger(2), values[1]);
        Assert.Throws<AbiDecodingException>(() => legApplied.Decode([legApplied.Topic0], data));
    }
}
