using DiscreteExec.Core.Intents;

namespace DiscreteExec.Core.Tests.Intents;

public class IntentIdTests
{
    private static readonly Bytes32 Escrow = Bytes32.Parse("0x0000000000000000000000005fbdb2315678afecb367f032d93f642f64180aa3");

    [Fact]
    public void Compute_AnvilFirstDeployment_MatchesCast()
    {
        // cast keccak $(cast abi-encode "f(uint256,bytes32,uint256)" 31337 0x000000000000000000000000 5fbdb2315678afecb367f032d93f642f64180aa3 0)
        Assert.Equal(
            Bytes32.Parse("0xe4db81f4f0dc07cc01c5757f5384579f34b8ff7ae6ad60eacdc81e4d9be95763"),
            IntentId.Compute(new ChainId(31337), Escrow, 0));
    }

    [Fact]
    public void Compute_MaxNonce_MatchesCast()
    {
        // cast keccak $(cast abi-encode "f(uint256,bytes32,uint256)" 900001 <escrow> 18446744073709551615)
        Assert.Equal(
            Bytes32.Parse("0x449fef5a936d6b1c37e721c423b10d669bbf840e87b2e195526da4882517f6a0"),
            IntentId.Compute(new ChainId(900001), Escrow, ulong.MaxValue));
    }
}
