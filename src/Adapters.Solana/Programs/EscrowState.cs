using DiscreteExec.Adapters.Solana.Configuration;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Chains.Rpc;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>
/// Reads the escrow program's accounts at the configured commitment: a mint's pool state account (its <c>pool</c>
/// field, the relayers' liquidity), an intent's account (its status; none means the escrow never had it) and a source
/// intent's paid marker (it exists once the Payout was applied, delivered or as a claim).
/// </summary>
internal sealed class EscrowState(ISolanaRpc rpc, SolanaClusterOptions options) : IEscrowState
{
    private readonly EscrowProgram _escrow = new(options.ProgramKey);

    public ChainId ChainId => options.Chain;

    public ChainKind Kind => ChainKind.Solana;

    public async Task<UInt256> PoolBalanceAsync(Bytes32 token, CancellationToken cancellationToken)
    {
        var account = await ReadAsync(_escrow.PoolAddress(token), "pool", cancellationToken).ConfigureAwait(false);
        return account is null ? UInt256.Zero : Decode(account, "pool", EscrowPool.Decode).Pool;
    }

    /// <summary>
    /// Solana keeps no account history over RPC, so the pool as of a cursor slot is answered only when it provably
    /// did not change since: the pool is read from a node that has reached the cursor slot (<c>minContextSlot</c>, and
    /// the slot it answered at is checked), and then no successful transaction above the cursor slot that names the
    /// pool account may have moved its <c>pool</c> field (<see cref="PoolMover"/>: a deposit, an expired refund or a
    /// claim writes the same account, its <c>escrowed</c> or <c>claims</c> field, and leaves the answer known). That
    /// list (getSignaturesForAddress, newest first) is read after the balance and tied to the slot the balance was read
    /// at (<c>minContextSlot</c> again): behind a load balancer a node lagging the one that answered the balance would
    /// otherwise list none of the transactions the balance already includes. Otherwise it throws
    /// <see cref="PoolNotAtCursorException"/>, naming the transaction; so does a page of
    /// <see cref="PoolHistoryPage"/> transactions all above the cursor (the work is bounded: one getTransaction each).
    /// With several endpoints each answers the whole question on its own (its pool at its own slot, its history tied
    /// to that slot) and a quorum must give the same balance: agreeing on the pool's content and then taking a slot
    /// from the agreeing answers would let one endpoint that reports a slot nobody reached stall every read (the
    /// highest slot) or hide a Fund (a low one).
    /// </summary>
    public async Task<UInt256> PoolBalanceAtAsync(Bytes32 token, ChainCursor cursor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        if (rpc is not QuorumSolanaRpc { Quorum: var endpoints })
        {
            return await PoolBalanceAtOnOneEndpointAsync(token, cursor, cancellationToken).ConfigureAwait(false);
        }

        var agreed = await endpoints.AgreeAsync(
            "pool at cursor",
            (endpoint, ct) => new EscrowState(endpoint, options).PoolVerdictAsync(token, cursor, ct),
            verdict => verdict.Balance?.ToString() ?? "unknown at the cursor",
            cancellationToken).ConfigureAwait(false);
        return agreed.Balance ?? throw new PoolNotAtCursorException(agreed.Unknown!);
    }

    // One endpoint's answer, as a value a quorum can compare: the balance, or why it is unknown at the cursor. What
    // it cannot decode counts as that endpoint's failure (an RPC error), not as everyone's.
    private async Task<PoolVerdict> PoolVerdictAsync(Bytes32 token, ChainCursor cursor, CancellationToken cancellationToken)
    {
        try
        {
            return new PoolVerdict(await PoolBalanceAtOnOneEndpointAsync(token, cursor, cancellationToken).ConfigureAwait(false), null);
        }
        catch (PoolNotAtCursorException unknown)
        {
            return new PoolVerdict(null, unknown.Message);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException)
        {
            throw new ChainRpcException($"Chain {options.ChainId}: the pool at the cursor does not decode: {e.Message}", e) { Method = "pool at cursor" };
        }
    }

    private sealed record PoolVerdict(UInt256? Balance, string? Unknown);

    private async Task<UInt256> PoolBalanceAtOnOneEndpointAsync(Bytes32 token, ChainCursor cursor, CancellationToken cancellationToken)
    {
        var pool = _escrow.PoolAddress(token);
        var read = await rpc.GetAccountInfoAtSlotAsync(pool, options.Commitment, cursor.Height, cancellationToken).ConfigureAwait(false);
        if (read.ContextSlot < cursor.Height)
        {
            throw new PoolNotAtCursorException($"Chain {options.ChainId}: the node read pool {Codec.Base58.EncodeKey(pool)} at slot {read.ContextSlot}, below the cursor's {cursor.Height}.");
        }

        var balance = read.Account is null ? UInt256.Zero : Decode(CheckOwner(read.Account, pool, "pool"), "pool", EscrowPool.Decode).Pool;
        var recent = await rpc.GetSignaturesForAddressAsync(pool, new SignaturePage(null, null, PoolHistoryPage, read.ContextSlot), options.Commitment, cancellationToken).ConfigureAwait(false);
        foreach (var entry in recent)
        {
            if (entry.Slot <= cursor.Height)
            {
                return balance;
            }

            if (!entry.Failed && await PoolMoverAsync(entry.Signature, pool, cancellationToken).ConfigureAwait(false) is { } why)
            {
                throw new PoolNotAtCursorException($"Chain {options.ChainId}: transaction {entry.Signature} at slot {entry.Slot} may have moved pool {Codec.Base58.EncodeKey(pool)} after the cursor's slot {cursor.Height}: {why}.");
            }
        }

        // The whole page is above the cursor and none moved the pool, or the pool has no history: known only when the page was not full.
        return recent.Count < PoolHistoryPage
            ? balance
            : throw new PoolNotAtCursorException($"Chain {options.ChainId}: the newest {PoolHistoryPage} transactions naming pool {Codec.Base58.EncodeKey(pool)} all landed after the cursor's slot {cursor.Height}.");
    }

    /// <summary>Why the transaction may have moved the <c>pool</c> field of <paramref name="pool"/>, or null when it cannot have (or failed).</summary>
    private async Task<string?> PoolMoverAsync(string signature, Bytes32 pool, CancellationToken cancellationToken)
    {
        var transaction = await rpc.GetTransactionAsync(signature, options.Commitment, cancellationToken).ConfigureAwait(false);
        return transaction switch
        {
            null => $"getTransaction does not return it at {options.Commitment}",
            { Error: not null } => null,
            { Contents: null } => transaction.ContentsError,
            _ => PoolMover(transaction.Contents, pool, _escrow.ProgramId),
        };
    }

    /// <summary>
    /// Why a successful transaction may have moved the <c>pool</c> field (offset 72) of the pool state account
    /// <paramref name="pool"/>, or null when it cannot have. Only the escrow program writes the account (it owns it),
    /// and only in an invocation the account is passed to: at top level or, through a program that calls the escrow,
    /// as an inner instruction (a program can pass on only accounts it was given). Of the escrow's instructions that
    /// take a pool state, Open and RefundExpired write only <c>escrowed</c> and Claim only <c>claims</c>
    /// (programs/solana/src/intent.c, pool.c); Fund, Settle (Release, Payout, Withdraw) and CreatePool write
    /// <c>pool</c>, and an unknown tag is assumed to. A program other than the escrow given the pool may call the
    /// escrow: that is told from the inner instructions, and assumed when the node does not report them.
    /// </summary>
    internal static string? PoolMover(TransactionContents transaction, Bytes32 pool, Bytes32 escrowProgram)
    {
        var keys = transaction.AccountKeys;
        var instructions = transaction.Message.Instructions;
        var inner = transaction.InnerInstructions;
        if (instructions.Concat(inner?.Values.SelectMany(i => i) ?? []).Any(i => i.ProgramIdIndex >= keys.Count || i.AccountIndexes.Any(a => a >= keys.Count)))
        {
            return $"an instruction indexes an account beyond the transaction's {keys.Count} keys";
        }

        bool Names(Codec.CompiledInstruction instruction) => instruction.AccountIndexes.Any(a => keys[a] == pool);
        for (var index = 0; index < instructions.Count; index++)
        {
            var instruction = instructions[index];
            if (!Names(instruction))
            {
                continue;
            }

            if (keys[instruction.ProgramIdIndex] == escrowProgram)
            {
                if (EscrowMover(instruction) is { } name)
                {
                    return $"instruction {index} is the escrow's {name}, which may move the pool";
                }
            }
            else if (inner is null)
            {
                return $"instruction {index} passes the pool to program {Codec.Base58.EncodeKey(keys[instruction.ProgramIdIndex])}, which may call the escrow, and the node reports no inner instructions";
            }
            else if (inner.GetValueOrDefault(index)?.Where(i => keys[i.ProgramIdIndex] == escrowProgram && Names(i)).Select(EscrowMover).FirstOrDefault(n => n is not null) is { } name)
            {
                return $"instruction {index} calls the escrow's {name}, which may move the pool";
            }
        }

        return null;
    }

    /// <summary>The name of an escrow instruction given a pool state when it may write the <c>pool</c> field; null when it writes only <c>escrowed</c> or <c>claims</c>.</summary>
    private static string? EscrowMover(Codec.CompiledInstruction instruction) =>
        instruction.Data.Length == 0
            ? "instruction without a tag"
            : (EscrowInstruction)instruction.Data[0] switch
            {
                EscrowInstruction.Open or EscrowInstruction.RefundExpired or EscrowInstruction.Claim => null,
                var tag when Enum.IsDefined(tag) => tag.ToString(),
                var tag => $"unknown instruction (tag {(byte)tag})",
            };

    private const int PoolHistoryPage = 100;

    public async Task<EscrowIntentState> IntentStateAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        var account = await ReadAsync(_escrow.IntentAddress(intentId), "intent", cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return EscrowIntentState.Unknown;
        }

        var intent = Decode(account, "intent", EscrowIntent.Decode);
        return intent.Status switch
        {
            EscrowIntentStatus.Open => EscrowIntentState.Open,
            EscrowIntentStatus.Released => EscrowIntentState.Released,
            EscrowIntentStatus.Refunded => EscrowIntentState.Refunded,
            _ => throw new InvalidDataException($"Chain {options.ChainId}: intent account of {intentId} has status {(byte)intent.Status}; known are 1-3."),
        };
    }

    public async Task<bool> IsPaidAsync(Bytes32 intentId, CancellationToken cancellationToken)
    {
        var account = await ReadAsync(_escrow.PaidMarkerAddress(intentId), "paid marker", cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            return false;
        }

        // Decoded only to refuse an account that is not a paid marker.
        _ = Decode(account, "paid marker", data => EscrowPaidMarker.Decode(data));
        return true;
    }

    /// <summary>
    /// Lists the program's receipt accounts (one per applied (epoch, chunk): 96 bytes, tag 4) with getProgramAccounts,
    /// each sliced to its 8-byte epoch field, at processed commitment (an applied epoch not yet final counts too: it
    /// only moves a fresh node's first epoch higher).
    /// </summary>
    public async Task<ulong> HighestAppliedEpochAsync(CancellationToken cancellationToken)
    {
        var receipts = await rpc.RequestAsync(
            "getProgramAccounts",
            [
                Codec.Base58.EncodeKey(_escrow.ProgramId),
                new Dictionary<string, object>
                {
                    ["commitment"] = "processed",
                    ["encoding"] = "base64",
                    ["dataSlice"] = new Dictionary<string, int> { ["offset"] = ReceiptEpochOffset, ["length"] = sizeof(ulong) },
                    ["filters"] = new object[]
                    {
                        new Dictionary<string, int> { ["dataSize"] = EscrowReceipt.Size },
                        new Dictionary<string, object> { ["memcmp"] = new Dictionary<string, object> { ["offset"] = 0, ["bytes"] = ReceiptTag, ["encoding"] = "base64" } },
                    },
                },
            ],
            cancellationToken).ConfigureAwait(false);
        var highest = 0UL;
        foreach (var receipt in receipts.EnumerateArray())
        {
            var data = Convert.FromBase64String(receipt.GetProperty("account").GetProperty("data")[0].GetString() ?? string.Empty);
            if (data.Length != sizeof(ulong))
            {
                throw new InvalidDataException($"Chain {options.ChainId}: getProgramAccounts returned {data.Length} bytes of receipt {receipt.GetProperty("pubkey").GetString()}'s epoch field, not 8.");
            }

            highest = Math.Max(highest, System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data));
        }

        return highest;
    }

    // A receipt's layout (EscrowReceipt): tag byte 4 first, its epoch as a little-endian u64 at byte 8.
    private const int ReceiptEpochOffset = 8;
    private static readonly string ReceiptTag = Convert.ToBase64String([4]);

    private async Task<AccountInfo?> ReadAsync(Bytes32 address, string what, CancellationToken cancellationToken) =>
        await rpc.GetAccountInfoAsync(address, options.Commitment, cancellationToken).ConfigureAwait(false) is { } account ? CheckOwner(account, address, what) : null;

    private AccountInfo CheckOwner(AccountInfo account, Bytes32 address, string what) =>
        account.Owner == _escrow.ProgramId
            ? account
            : throw new InvalidDataException($"Chain {options.ChainId}: the {what} account {Codec.Base58.EncodeKey(address)} is owned by {Codec.Base58.EncodeKey(account.Owner)}, not the escrow program.");

    private T Decode<T>(AccountInfo account, string what, DecodeAccount<T> decode)
    {
        try
        {
            return decode(account.Data);
        }
        catch (FormatException e)
        {
            throw new InvalidDataException($"Chain {options.ChainId}: the escrow's {what} account is malformed: {e.Message}", e);
        }
    }

    private delegate T DecodeAccount<out T>(ReadOnlySpan<byte> data);
}
