using System.Numerics;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Evm.Encoding;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Adapters.Evm.Transactions;

/// <summary>An access-list entry of a typed transaction (EIP-2930).</summary>
public sealed record AccessListEntry(EvmAddress Address, IReadOnlyList<Bytes32> StorageKeys);

/// <summary>
/// An EIP-1559 (type 2) transaction. Signing hash = keccak256(0x02 ‖ rlp([chainId, nonce, maxPriorityFeePerGas,
/// maxFeePerGas, gasLimit, to, value, data, accessList])); the signed form appends [yParity, r, s].
/// </summary>
public sealed record Eip1559Transaction
{
    public const byte TypeByte = 0x02;

    public required ulong ChainId { get; init; }

    public required ulong Nonce { get; init; }

    public required BigInteger MaxPriorityFeePerGas { get; init; }

    public required BigInteger MaxFeePerGas { get; init; }

    public required ulong GasLimit { get; init; }

    /// <summary>The recipient; null for a contract creation.</summary>
    public EvmAddress? To { get; init; }

    public BigInteger Value { get; init; }

    public byte[] Data { get; init; } = [];

    public IReadOnlyList<AccessListEntry> AccessList { get; init; } = [];

    /// <summary>The hash the sender signs.</summary>
    public Bytes32 SigningHash() => Keccak256.Hash(Typed(Rlp.EncodeList(Fields())));

    /// <summary>Signs with <paramref name="key"/> and returns the raw transaction and its hash.</summary>
    public SignedTransaction Sign(EvmKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Span<byte> hash = stackalloc byte[32];
        SigningHash().CopyTo(hash);
        return WithSignature(key.SignHash(hash));
    }

    /// <summary>The raw signed transaction for a given signature.</summary>
    public SignedTransaction WithSignature(EcdsaSignature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        var fields = Fields();
        var all = new byte[fields.Length + 3][];
        fields.CopyTo(all, 0);
        all[^3] = Rlp.EncodeInteger(signature.RecoveryId);
        all[^2] = Rlp.EncodeInteger(new BigInteger(signature.R, isUnsigned: true, isBigEndian: true));
        all[^1] = Rlp.EncodeInteger(new BigInteger(signature.S, isUnsigned: true, isBigEndian: true));
        var raw = Typed(Rlp.EncodeList(all));
        return new SignedTransaction(this, signature, raw, Keccak256.Hash(raw));
    }

    /// <summary>Decodes a raw signed type-2 transaction and recovers its sender.</summary>
    public static SignedTransaction Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 2 || raw[0] != TypeByte)
        {
            throw new FormatException("Not a type-2 (EIP-1559) transaction.");
        }

        var items = Rlp.Decode(raw[1..]).Items ?? throw new FormatException("A type-2 transaction is an RLP list.");
        if (items.Count != 12)
        {
            throw new FormatException($"A signed type-2 transaction has 12 fields, got {items.Count}.");
        }

        var to = items[5].Bytes ?? throw new FormatException("'to' must be a byte string.");
        var transaction = new Eip1559Transaction
        {
            ChainId = (ulong)items[0].AsInteger(),
            Nonce = (ulong)items[1].AsInteger(),
            MaxPriorityFeePerGas = items[2].AsInteger(),
            MaxFeePerGas = items[3].AsInteger(),
            GasLimit = (ulong)items[4].AsInteger(),
            To = to.Length == 0 ? null : new EvmAddress(to),
            Value = items[6].AsInteger(),
            Data = items[7].Bytes ?? throw new FormatException("'data' must be a byte string."),
            AccessList = (items[8].Items ?? throw new FormatException("'accessList' must be a list."))
                .Select(e => new AccessListEntry(
                    new EvmAddress(e.Items![0].Bytes!),
                    e.Items[1].Items!.Select(k => new Bytes32(k.Bytes!)).ToArray()))
                .ToArray(),
        };
        var signature = new EcdsaSignature(Pad32(items[10].AsInteger()), Pad32(items[11].AsInteger()), (byte)items[9].AsInteger());
        return new SignedTransaction(transaction, signature, raw.ToArray(), Keccak256.Hash(raw));
    }

    private byte[][] Fields() =>
    [
        Rlp.EncodeInteger(ChainId),
        Rlp.EncodeInteger(Nonce),
        Rlp.EncodeInteger(MaxPriorityFeePerGas),
        Rlp.EncodeInteger(MaxFeePerGas),
        Rlp.EncodeInteger(GasLimit),
        To is { } to ? Rlp.EncodeBytes(to.ToArray()) : Rlp.EncodeBytes([]),
        Rlp.EncodeInteger(Value),
        Rlp.EncodeBytes(Data),
        Rlp.EncodeList(AccessList.Select(e => Rlp.EncodeList(
            Rlp.EncodeBytes(e.Address.ToArray()),
            Rlp.EncodeList(e.StorageKeys.Select(k => Rlp.EncodeBytes(k.ToArray())).ToArray()))).ToArray()),
    ];

    private static byte[] Typed(byte[] payload)
    {
        var result = new byte[payload.Length + 1];
        result[0] = TypeByte;
        payload.CopyTo(result, 1);
        return result;
    }

    private static byte[] Pad32(BigInteger value)
    {
        var result = new byte[32];
        value.TryWriteBytes(result.AsSpan(32 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return result;
    }
}

/// <summary>A signed transaction: what was signed, the signature, the raw bytes to broadcast and the transaction hash.</summary>
public sealed record SignedTransaction(Eip1559Transaction Transaction, EcdsaSignature Signature, byte[] Raw, Bytes32 Hash)
{
    /// <summary>The sender, recovered from the signature.</summary>
    public EvmAddress RecoverSender()
    {
        Span<byte> hash = stackalloc byte[32];
        Transaction.SigningHash().CopyTo(hash);
        return EvmAddress.FromPublicKey(Secp256k1.Recover(hash, Signature));
    }
}
