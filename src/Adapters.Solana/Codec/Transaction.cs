namespace DiscreteExec.Adapters.Solana.Codec;

/// <summary>A message with its signatures in signer order; serializes to the wire format <c>sendTransaction</c> takes.</summary>
public sealed class Transaction
{
    /// <summary>The largest serialized transaction the network accepts (IPv6 MTU minus headers).</summary>
    public const int MaxSize = 1232;

    public const int SignatureLength = 64;

    private Transaction(byte[] messageBytes, byte[][] signatures, Message message)
    {
        MessageBytes = messageBytes;
        Signatures = signatures;
        Message = message;
    }

    public Message Message { get; }

    public byte[] MessageBytes { get; }

    public IReadOnlyList<byte[]> Signatures { get; }

    /// <summary>The transaction id: the fee payer's signature in base58.</summary>
    public string Id => Base58.Encode(Signatures[0]);

    /// <summary>Serialized size of a transaction of <paramref name="signatureCount"/> signatures over a message of <paramref name="messageLength"/> bytes.</summary>
    public static int SizeOf(int signatureCount, int messageLength) =>
        CompactU16.Length(signatureCount) + (signatureCount * SignatureLength) + messageLength;

    /// <summary>Signs with local key pairs; every required signer must be among them.</summary>
    public static Transaction Sign(Message message, IEnumerable<SolanaKeypair> signers)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signers);
        var bytes = message.Serialize();
        var byKey = signers.ToDictionary(s => s.PublicKey);
        var signatures = new byte[message.Header.RequiredSignatures][];
        for (var i = 0; i < signatures.Length; i++)
        {
            var key = message.StaticAccountKeys[i];
            signatures[i] = byKey.TryGetValue(key, out var signer)
                ? signer.Sign(bytes)
                : throw new InvalidOperationException($"No key pair for required signer {Base58.EncodeKey(key)}.");
        }

        return new Transaction(bytes, signatures, message);
    }

    /// <summary>Assembles a transaction from signatures obtained elsewhere (remote signers), checking each one.</summary>
    public static Transaction FromSignatures(Message message, IReadOnlyList<byte[]> signatures)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(signatures);
        var bytes = message.Serialize();
        if (signatures.Count != message.Header.RequiredSignatures)
        {
            throw new ArgumentException($"The message needs {message.Header.RequiredSignatures} signatures, got {signatures.Count}.", nameof(signatures));
        }

        for (var i = 0; i < signatures.Count; i++)
        {
            if (signatures[i].Length != SignatureLength || !SolanaKeypair.Verify(message.StaticAccountKeys[i], bytes, signatures[i]))
            {
                throw new ArgumentException($"Signature {i} is not {Base58.EncodeKey(message.StaticAccountKeys[i])}'s signature of this message.", nameof(signatures));
            }
        }

        return new Transaction(bytes, [.. signatures], message);
    }

    /// <summary>Wire bytes of <paramref name="message"/> with every signature slot zero: for <c>simulateTransaction</c> with <c>sigVerify: false</c>.</summary>
    public static byte[] SerializeUnsigned(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var bytes = message.Serialize();
        var count = message.Header.RequiredSignatures;
        var output = new byte[SizeOf(count, bytes.Length)];
        var offset = CompactU16.Write(count, output) + (count * SignatureLength);
        bytes.CopyTo(output, offset);
        return output;
    }

    public byte[] Serialize()
    {
        var size = SizeOf(Signatures.Count, MessageBytes.Length);
        var output = new byte[size];
        var offset = CompactU16.Write(Signatures.Count, output);
        foreach (var signature in Signatures)
        {
            signature.CopyTo(output, offset);
            offset += SignatureLength;
        }

        MessageBytes.CopyTo(output, offset);
        return output;
    }

    public static Transaction Deserialize(ReadOnlySpan<byte> wire)
    {
        var count = CompactU16.Read(wire, out var offset);
        var signatures = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            if (wire.Length < offset + SignatureLength)
            {
                throw new FormatException("Transaction truncated inside its signatures.");
            }

            signatures[i] = wire.Slice(offset, SignatureLength).ToArray();
            offset += SignatureLength;
        }

        var messageBytes = wire[offset..].ToArray();
        return new Transaction(messageBytes, signatures, Message.Deserialize(messageBytes));
    }
}
