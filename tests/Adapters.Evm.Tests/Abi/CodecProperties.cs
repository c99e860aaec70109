using System.Numerics;
using DiscreteExec.Adapters.Evm.Abi;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Core.Hashing;
using FsCheck.Xunit;

namespace DiscreteExec.Adapters.Evm.Tests.Abi;

/// <summary>Round trips that must hold for any input (the cast vectors pin the exact bytes).</summary>
public class CodecProperties
{
    [Property(MaxTest = 200)]
    public bool Rlp_ListOfStrings_RoundTrips(byte[][] items)
    {
        var encoded = Rlp.EncodeList(items.Select(i => Rlp.EncodeBytes(i ?? [])).ToArray());
        var decoded = Rlp.Decode(encoded).Items!;
        return decoded.Count == items.Length && decoded.Select(d => d.Bytes!).Zip(items, (a, b) => a.AsSpan().SequenceEqual(b ?? [])).All(x => x);
    }

    [Property(MaxTest = 200)]
    public bool Abi_DynamicValues_RoundTrip(byte[] bytes, string text, ulong[] numbers, bool flag)
    {
        text ??= string.Empty;
        bytes ??= [];
        numbers ??= [];
        AbiType[] types = [AbiType.Bytes, AbiType.String, AbiType.ArrayOf(AbiType.Uint(64)), AbiType.Bool];
        var decoded = AbiDecoder.Decode(types, AbiEncoder.Encode(types, [bytes, text, numbers.Cast<object?>().ToArray(), flag]));
        var sanitized = System.Text.Encoding.UTF8.GetString(System.Text.Encoding.UTF8.GetBytes(text));
        return ((byte[])decoded[0]!).AsSpan().SequenceEqual(bytes)
            && (string)decoded[1]! == sanitized
            && ((object?[])decoded[2]!).Select(v => (ulong)(BigInteger)v!).SequenceEqual(numbers)
            && (bool)decoded[3]! == flag;
    }

    [Property(MaxTest = 25)]
    public bool Secp256k1_SignatureRecoversTheSigner(ulong seed, ulong message)
    {
        var key = new EvmKey(Keccak256.Hash(BitConverter.GetBytes(seed)).ToArray());
        var hash = Keccak256.Hash(BitConverter.GetBytes(message)).ToArray();
        var signature = key.SignHash(hash);
        var halfOrder = BigInteger.Parse("57896044618658097711785492504343953926418782139537452191302581570759080747168");
        return new BigInteger(signature.S, isUnsigned: true, isBigEndian: true) <= halfOrder && EvmAddress.FromPublicKey(Secp256k1.Recover(hash, signature)) == key.Address;
    }
}
