using System.Buffers;
using System.Buffers.Text;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>An event the escrow program logs with <c>sol_log_data</c>.</summary>
public abstract record EscrowEvent;

public sealed record IntentOpenedEvent(
    Bytes32 IntentId, ulong Nonce, Bytes32 Depositor, Bytes32 InputMint, ulong InputAmount, ulong DestinationChainId,
    Bytes32 OutputToken, UInt256 MinOutputAmount, Bytes32 Recipient, long FillDeadline, ulong OriginChainId) : EscrowEvent
{
    /// <summary>
    /// The Core intent, after checking the event belongs to the configured cluster and its id is the one
    /// both escrows compute: keccak256(chainId ‖ programId ‖ nonce).
    /// </summary>
    /// <exception cref="EscrowEventException">Another cluster's chain id, a wrong id or a negative deadline.</exception>
    public Intent ToIntent(ChainId chainId, Bytes32 programId)
    {
        if (OriginChainId != chainId.Value)
        {
            throw new EscrowEventException($"IntentOpened carries chain id {OriginChainId}, the cluster is configured as {chainId}.");
        }

        var expected = Core.Intents.IntentId.Compute(chainId, programId, Nonce);
        if (expected != IntentId)
        {
            throw new EscrowEventException($"IntentOpened id {IntentId} is not keccak256(chainId, program, nonce {Nonce}) = {expected}.");
        }

        if (FillDeadline < 0)
        {
            throw new EscrowEventException($"IntentOpened {IntentId} has a negative fill deadline {FillDeadline}.");
        }

        return new Intent
        {
            IntentId = IntentId,
            OriginChainId = chainId,
            DepositNonce = Nonce,
            Depositor = Depositor,
            InputToken = InputMint,
            InputAmount = InputAmount,
            DestinationChainId = new ChainId(DestinationChainId),
            OutputToken = OutputToken,
            MinOutputAmount = MinOutputAmount,
            Recipient = Recipient,
            FillDeadline = (ulong)FillDeadline,
        };
    }
}

public sealed record IntentReleasedEvent(Bytes32 IntentId, Bytes32 InputMint, ulong InputAmount, ulong Epoch) : EscrowEvent;

public sealed record IntentRefundedEvent(Bytes32 IntentId, Bytes32 Depositor, Bytes32 InputMint, ulong InputAmount, ulong Epoch, byte Reason) : EscrowEvent;

public sealed record PayoutMadeEvent(Bytes32 SourceIntentId, Bytes32 Mint, Bytes32 Recipient, Bytes32 RecipientTokenAccount, ulong Amount, ulong Epoch) : EscrowEvent;

public sealed record WithdrawnEvent(Bytes32 Mint, Bytes32 Destination, Bytes32 DestinationTokenAccount, ulong Amount, ulong Epoch) : EscrowEvent;

public sealed record LegAppliedEvent(ulong Epoch, uint Chunk, Bytes32 ChunkHash, Bytes32 BatchRoot, uint ActionCount) : EscrowEvent;

internal sealed record PoolFundedEvent(Bytes32 Mint, Bytes32 Funder, ulong Amount, ulong PoolAfter) : EscrowEvent;

internal sealed record ConfigChangedEvent(byte Kind, byte Threshold, byte SignerCount, byte Paused, ulong Value) : EscrowEvent;

/// <summary>An undeliverable Refund/Payout/Withdraw became (part of) the owner's claim; <see cref="Destination"/> is the account that could not receive.</summary>
public sealed record ClaimCreatedEvent(Bytes32 Owner, Bytes32 Mint, ulong Amount, ulong ClaimTotal, ActionKind Kind, Bytes32 IntentId, ulong Epoch, Bytes32 Destination) : EscrowEvent;

public sealed record ClaimedEvent(Bytes32 Owner, Bytes32 Mint, Bytes32 Destination, ulong Amount) : EscrowEvent;

/// <summary>A threshold of the current attestors proposed a set that takes effect at <see cref="ActivatesAt"/>.</summary>
internal sealed record SignerSetProposedEvent(ulong Version, long ActivatesAt, byte Threshold, IReadOnlyList<Bytes32> Signers) : EscrowEvent;

internal sealed record SignerSetActivatedEvent(ulong Version, long ActivatedAt, byte Threshold, IReadOnlyList<Bytes32> Signers) : EscrowEvent;

/// <summary>Kind 0: <see cref="PendingAdmin"/> proposed; kind 1: accepted (then <see cref="Admin"/> is the new admin).</summary>
internal sealed record AdminChangedEvent(byte Kind, Bytes32 Admin, Bytes32 PendingAdmin) : EscrowEvent;

public sealed record MintRegisteredEvent(Bytes32 Mint, Bytes32 Pool, Bytes32 Vault) : EscrowEvent;

/// <summary>A Payout or Withdraw whose account is the vault authority (the escrow itself): marked applied, no tokens moved, pool not debited. <paramref name="Ref"/> is the source intent id (Payout) or the leaf hash (Withdraw).</summary>
public sealed record SelfTransferSkippedEvent(ActionKind Kind, Bytes32 Ref, Bytes32 Mint, ulong Amount, ulong Epoch) : EscrowEvent;

/// <summary>An event payload or log line that does not match the program's documented layout.</summary>
public sealed class EscrowEventException : Exception
{
    public EscrowEventException()
    {
    }

    public EscrowEventException(string message)
        : base(message)
    {
    }

    public EscrowEventException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Decodes <c>Program data: &lt;base64&gt;</c> payloads: a tag byte, then fixed little-endian fields.</summary>
public static class EscrowEventDecoder
{
    public const string LogPrefix = "Program data: ";

    /// <summary>Decodes the base64 text after <see cref="LogPrefix"/>.</summary>
    /// <exception cref="EscrowEventException">Not base64, or not one of the program's events.</exception>
    public static EscrowEvent DecodeBase64(ReadOnlySpan<char> base64)
    {
        // sol_log_data logs each slice as its own base64 word; the program logs exactly one.
        if (base64.IndexOf(' ') >= 0)
        {
            throw new EscrowEventException("The event has more than one data slice.");
        }

        var maxLength = Base64.GetMaxDecodedFromUtf8Length(base64.Length);
        byte[]? rented = null;
        var buffer = maxLength <= 512 ? stackalloc byte[maxLength] : (rented = ArrayPool<byte>.Shared.Rent(maxLength));
        try
        {
            if (!Convert.TryFromBase64Chars(base64, buffer, out var written))
            {
                throw new EscrowEventException("The event is not base64.");
            }

            return Decode(buffer[..written]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <exception cref="EscrowEventException">Unknown tag or wrong length for its tag.</exception>
    public static EscrowEvent Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.IsEmpty)
        {
            throw new EscrowEventException("The event is empty.");
        }

        var tag = payload[0];
        if (tag is 11 or 12)
        {
            return DecodeSignerSet(payload);
        }

        var expected = tag switch
        {
            1 => 233,
            2 => 81,
            3 => 114,
            4 => 145,
            5 => 113,
            6 => 81,
            7 => 81,
            8 => 13,
            9 => 154,
            10 => 105,
            13 => 66,
            14 => 97,
            15 => 82,
            _ => throw new EscrowEventException($"Unknown event tag {tag}."),
        };
        if (payload.Length != expected)
        {
            throw new EscrowEventException($"Event tag {tag} has {expected} bytes, this one {payload.Length}.");
        }

        var r = new SpanReader(payload[1..]);
        return tag switch
        {
            1 => new IntentOpenedEvent(r.Key(), r.UInt64(), r.Key(), r.Key(), r.UInt64(), r.UInt64(), r.Key(), UInt256.ReadBigEndian(r.Take(32)), r.Key(), r.Int64(), r.UInt64()),
            2 => new IntentReleasedEvent(r.Key(), r.Key(), r.UInt64(), r.UInt64()),
            3 => new IntentRefundedEvent(r.Key(), r.Key(), r.Key(), r.UInt64(), r.UInt64(), r.Byte()),
            4 => new PayoutMadeEvent(r.Key(), r.Key(), r.Key(), r.Key(), r.UInt64(), r.UInt64()),
            5 => new WithdrawnEvent(r.Key(), r.Key(), r.Key(), r.UInt64(), r.UInt64()),
            6 => new LegAppliedEvent(r.UInt64(), r.UInt32(), r.Key(), r.Key(), r.UInt32()),
            7 => new PoolFundedEvent(r.Key(), r.Key(), r.UInt64(), r.UInt64()),
            8 => new ConfigChangedEvent(r.Byte(), r.Byte(), r.Byte(), r.Byte(), r.UInt64()),
            9 => new ClaimCreatedEvent(r.Key(), r.Key(), r.UInt64(), r.UInt64(), (ActionKind)r.Byte(), r.Key(), r.UInt64(), r.Key()),
            10 => new ClaimedEvent(r.Key(), r.Key(), r.Key(), r.UInt64()),
            13 => new AdminChangedEvent(r.Byte(), r.Key(), r.Key()),
            14 => new MintRegisteredEvent(r.Key(), r.Key(), r.Key()),
            _ => new SelfTransferSkippedEvent((ActionKind)r.Byte(), r.Key(), r.Key(), r.UInt64(), r.UInt64()),
        };
    }

    // version u64 | at i64 | threshold u8 | n u8 | signers [n][32]
    private static EscrowEvent DecodeSignerSet(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 19 || payload[18] > EscrowProgram.MaxSigners || payload.Length != 19 + (32 * payload[18]))
        {
            throw new EscrowEventException($"Event tag {payload[0]} has 19 + 32 n bytes (n <= {EscrowProgram.MaxSigners}), this one {payload.Length}.");
        }

        var r = new SpanReader(payload[1..]);
        var (version, at, threshold, n) = (r.UInt64(), r.Int64(), r.Byte(), r.Byte());
        var signers = new Bytes32[n];
        for (var i = 0; i < n; i++)
        {
            signers[i] = r.Key();
        }

        return payload[0] == 11 ? new SignerSetProposedEvent(version, at, threshold, signers) : new SignerSetActivatedEvent(version, at, threshold, signers);
    }

    /// <summary>
    /// The <c>Program data:</c> payloads a transaction's logs attribute to <paramref name="programId"/>, in order,
    /// following the invoke stack so that data logged by other programs (or by ours under someone else's CPI frame) is not taken.
    /// </summary>
    public static IReadOnlyList<string> ProgramDataLines(IReadOnlyList<string> logs, Bytes32 programId)
    {
        ArgumentNullException.ThrowIfNull(logs);
        var program = Base58.EncodeKey(programId);
        var invoke = $"Program {program} invoke [";
        var stack = new Stack<bool>();
        var result = new List<string>();
        foreach (var line in logs)
        {
            if (IsFrame(line, "invoke"))
            {
                stack.Push(line.StartsWith(invoke, StringComparison.Ordinal));
            }
            else if (line.StartsWith(LogPrefix, StringComparison.Ordinal))
            {
                if (stack.TryPeek(out var ours) && ours)
                {
                    result.Add(line[LogPrefix.Length..]);
                }
            }
            else if ((IsFrame(line, "success") || IsFrame(line, "failed")) && stack.Count > 0)
            {
                stack.Pop();
            }
        }

        return result;
    }

    // "Program <id> invoke [n]", "Program <id> success", "Program <id> failed: <reason>"; never a "Program log:" line that says so.
    private static bool IsFrame(string line, string word)
    {
        var parts = line.Split(' ', 4);
        return parts.Length >= 3 && parts[0] == "Program" && !parts[1].EndsWith(':') && parts[2].StartsWith(word, StringComparison.Ordinal);
    }
}
