using System.Numerics;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;

namespace DiscreteExec.Adapters.Evm.Tests.Crypto;

public class Secp256k1Tests
{
    private const string Key = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

    [Fact]
    public void Address_MatchesCast()
    {
        // cast wallet address --private-key 0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318
        Assert.Equal("0x2c7536E3605D9C16a7a3D7b1898e529396a65c23", EvmKey.FromHex(Key).Address.ToString());
    }

    [Theory]
    // cast wallet sign --no-hash --private-key 0x4c08…2318 0xabab…ab (32 bytes of 0xab)
    [InlineData(Key, "ab", "0x230bbf1802ee73022fc7e33916eff735e43fece87d4a373b65475220e9ffdb6a6ae0cc3143d20c144b7d86870f63b3fcc471ca4c24ff22f36daddcdd8109f00c1b")]
    // cast wallet sign --no-hash --private-key 0x00…01 0x0101…01 (32 bytes of 0x01)
    [InlineData("0x0000000000000000000000000000000000000000000000000000000000000001", "01", "0x747a6c6bd9a8ff0b77a99b8f274f5df5198b5dddc33edd4bc89e459d13dfa6177431bfa016325b8f27491781d1c462999f1dde760560373a517d29161c2df1391c")]
    public void SignHash_IsDeterministicAndMatchesCast(string key, string repeatedByte, string expected)
    {
        var hash = Hex.Decode("0x" + string.Concat(Enumerable.Repeat(repeatedByte, 32)));
        var signature = EvmKey.FromHex(key).SignHash(hash);
        Assert.Equal(expected, Hex.Encode(signature.ToRsv()));
    }

    [Fact]
    public void SignHash_Eip155Example_MatchesPublishedSignature()
    {
        // EIP-155 example: key 0x4646…46, signing hash of the nonce-9 transfer, v = 37 (recovery id 0).
        var key = EvmKey.FromHex("0x" + string.Concat(Enumerable.Repeat("46", 32)));
        var hash = Hex.Decode("0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53");
        var signature = key.SignHash(hash);
        Assert.Equal(BigInteger.Parse("18515461264373351373200002665853028612451056578545711640558177340181847433846"), new BigInteger(signature.R, true, true));
        Assert.Equal(BigInteger.Parse("46948507304638947509940763649030358759909902576025900602547168820602576006531"), new BigInteger(signature.S, true, true));
        Assert.Equal(0, signature.RecoveryId);
        Assert.Equal("0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F", key.Address.ToString());
    }

    [Fact]
    public void SignHash_ManyHashes_LowSAndRecoversSigner()
    {
        var key = EvmKey.FromHex(Key);
        var halfN = BigInteger.Parse("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0", System.Globalization.NumberStyles.HexNumber);
        for (var i = 0; i < 64; i++)
        {
            var hash = DiscreteExec.Core.Hashing.Keccak256.Hash(BitConverter.GetBytes(i)).ToArray();
            var signature = key.SignHash(hash);
            Assert.True(new BigInteger(signature.S, true, true) <= halfN);
            Assert.Equal(key.Address, EvmAddress.FromPublicKey(Secp256k1.Recover(hash, signature)));
        }
    }

    [Fact]
    public void NormalizeLowS_HighTwinOfCastSignature_GivesCastSignatureBack()
    {
        // cast wallet sign --no-hash --private-key 0x4c08…2318 0xabab…ab (32 bytes of 0xab), as above.
        var low = EcdsaSignature.FromRsv(Hex.Decode("0x230bbf1802ee73022fc7e33916eff735e43fece87d4a373b65475220e9ffdb6a6ae0cc3143d20c144b7d86870f63b3fcc471ca4c24ff22f36daddcdd8109f00c1b"));
        var n = BigInteger.Parse("0fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141", System.Globalization.NumberStyles.HexNumber);
        var high = low with { S = (n - new BigInteger(low.S, true, true)).ToByteArray(true, true), RecoveryId = (byte)(low.RecoveryId ^ 1) };

        Assert.Equal(Hex.Encode(low.ToRsv()), Hex.Encode(Secp256k1.NormalizeLowS(high).ToRsv()));
        Assert.Same(low, Secp256k1.NormalizeLowS(low));
    }

    [Fact]
    public void Recover_WrongRecoveryId_GivesAnotherAddress()
    {
        var key = EvmKey.FromHex(Key);
        var hash = new byte[32];
        hash[0] = 1;
        var signature = key.SignHash(hash);
        var flipped = signature with { RecoveryId = (byte)(signature.RecoveryId ^ 1) };
        Assert.NotEqual(key.Address, EvmAddress.FromPublicKey(Secp256k1.Recover(hash, flipped)));
    }

    [Fact]
    public void Constructor_ZeroKey_Throws() =>
        Assert.Throws<ArgumentException>(() => new EvmKey(new byte[32]));
}
