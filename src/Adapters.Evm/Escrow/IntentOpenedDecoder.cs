using System.Buffers.Binary;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Intents;

namespace DiscreteExec.Adapters.Evm.Escrow;

/// <summary>
/// Decodes <c>IntentOpened(bytes32 indexed intentId, address indexed depositor, uint64 indexed destinationChainId,
/// uint64 nonce, address inputToken, uint256 inputAmount, bytes32 outputToken, uint256 minOutputAmount,
/// bytes32 recipient, uint64 fillDeadline)</c> into Core's <see cref="Intent"/> at fixed offsets (a hot path: every
/// log the watcher reads). Checks the topic count, topic 0, the data length, the padding of every narrow field, and
/// that the intent id is the one the escrow must have computed for that nonce.
/// </summary>
public sealed class IntentOpenedDecoder
{
    public const string Signature = "IntentOpened(bytes32,address,uint64,uint64,address,uint256,bytes32,uint256,bytes32,uint64)";
    private const int DataLength = 7 * 32;

    public static readonly Bytes32 Topic0 = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(Signature));

    private readonly ChainId _chainId;
    private readonly Bytes32 _escrow;

    public IntentOpenedDecoder(ChainId chainId, EvmAddress escrow)
    {
        _chainId = chainId;
        _escrow = escrow.ToBytes32();
    }

    /// <summary>Decodes one log; a malformed log throws <see cref="EscrowLogException"/> saying what is wrong.</summary>
    public Intent Decode(IReadOnlyList<Bytes32> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        if (topics.Count != 4)
        {
            throw new EscrowLogException($"IntentOpened has 4 topics, the log has {topics.Count}.");
        }

        if (topics[0] != Topic0)
        {
            throw new EscrowLogException($"Topic 0 {topics[0]} is not IntentOpened.");
        }

        if (data.Length != DataLength)
        {
            throw new EscrowLogException($"IntentOpened data has {DataLength} bytes, the log has {data.Length}.");
        }

        var depositor = topics[2];
        if (!depositor.IsEvmAddress)
        {
            throw new EscrowLogException($"Depositor topic {depositor} is not a padded address.");
        }

        var destination = Uint64Topic(topics[3], "destinationChainId");
        var nonce = Uint64Word(data, 0, "nonce");
        var inputToken = new Bytes32(data.Slice(32, 32));
        if (!inputToken.IsEvmAddress)
        {
            throw new EscrowLogException($"inputToken {inputToken} is not a padded address.");
        }

        var intentId = topics[1];
        var expected = IntentId.Compute(_chainId, _escrow, nonce);
        if (intentId != expected)
        {
            throw new EscrowLogException($"Intent id {intentId} is not the id of nonce {nonce} on this escrow ({expected}).");
        }

        return new Intent
        {
            IntentId = intentId,
            OriginChainId = _chainId,
            DepositNonce = nonce,
            Depositor = depositor,
            InputToken = inputToken,
            InputAmount = UInt256.ReadBigEndian(data.Slice(64, 32)),
            DestinationChainId = new ChainId(destination),
            OutputToken = new Bytes32(data.Slice(96, 32)),
            MinOutputAmount = UInt256.ReadBigEndian(data.Slice(128, 32)),
            Recipient = new Bytes32(data.Slice(160, 32)),
            FillDeadline = Uint64Word(data, 192, "fillDeadline"),
        };
    }

    private static ulong Uint64Word(ReadOnlySpan<byte> data, int offset, string field)
    {
        var word = data.Slice(offset, 32);
        if (word[..24].IndexOfAnyExcept((byte)0) >= 0)
        {
            throw new EscrowLogException($"{field} does not fit uint64.");
        }

        return BinaryPrimitives.ReadUInt64BigEndian(word[24..]);
    }

    private static ulong Uint64Topic(Bytes32 topic, string field)
    {
        Span<byte> word = stackalloc byte[32];
        topic.CopyTo(word);
        return Uint64Word(word, 0, field);
    }
}

/// <summary>An escrow log that does not decode: the watcher logs it with its block and transaction and skips it.</summary>
public sealed class EscrowLogException : Exception
{
    public EscrowLogException(string message)
        : base(message)
    {
    }

    public EscrowLogException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public EscrowLogException()
    {
    }
}
