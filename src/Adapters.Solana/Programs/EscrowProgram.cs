using System.Buffers.Binary;
using System.Text;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Programs;

/// <summary>The user's side of an Open: everything but the depositor's accounts and the nonce.</summary>
public sealed record OpenIntentParams(
    Bytes32 InputMint,
    ulong InputAmount,
    ChainId DestinationChainId,
    Bytes32 OutputToken,
    UInt256 MinOutputAmount,
    Bytes32 Recipient,
    long FillDeadline);

/// <summary>One Settle action with the token account it moves funds to (Refund, Payout, Withdraw).</summary>
public readonly record struct EscrowSettleAction(ActionKind Kind, Bytes32 IntentId, ulong Amount, Bytes32 Mint, Bytes32 DestinationTokenAccount);

/// <summary>
/// Addresses and instructions of the DiscreteExec escrow program, byte for byte as <c>programs/solana/README.md</c>
/// fixes them (one tag byte, packed little-endian fields; minOutputAmount as 32 bytes big-endian).
/// </summary>
public sealed class EscrowProgram
{
    public const int MaxActionsPerSettle = 32;
    public const int MaxSigners = 16;
    private static readonly byte[] ConfigSeed = Encoding.ASCII.GetBytes("config");
    private static readonly byte[] AuthoritySeed = Encoding.ASCII.GetBytes("authority");
    private static readonly byte[] PoolSeed = Encoding.ASCII.GetBytes("pool");
    private static readonly byte[] VaultSeed = Encoding.ASCII.GetBytes("vault");
    private static readonly byte[] IntentSeed = Encoding.ASCII.GetBytes("intent");
    private static readonly byte[] ReceiptSeed = Encoding.ASCII.GetBytes("receipt");
    private static readonly byte[] PaidSeed = Encoding.ASCII.GetBytes("paid");

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Bytes32> _derived = new(StringComparer.Ordinal);

    public EscrowProgram(Bytes32 programId)
    {
        ProgramId = programId;
        Config = Derive(ConfigSeed);
        Authority = Derive(AuthoritySeed);
    }

    public Bytes32 ProgramId { get; }

    /// <summary>The config PDA, <c>["config"]</c>.</summary>
    public Bytes32 Config { get; }

    /// <summary>The vault authority PDA, <c>["authority"]</c>, which signs transfers out of the vaults.</summary>
    public Bytes32 Authority { get; }

    public Bytes32 PoolAddress(Bytes32 mint) => Derive(PoolSeed, mint.ToArray());

    public Bytes32 VaultAddress(Bytes32 mint) => Derive(VaultSeed, mint.ToArray());

    public Bytes32 IntentAddress(Bytes32 intentId) => Derive(IntentSeed, intentId.ToArray());

    public Bytes32 ReceiptAddress(ulong epoch, uint chunk)
    {
        var e = new byte[8];
        var c = new byte[4];
        BinaryPrimitives.WriteUInt64LittleEndian(e, epoch);
        BinaryPrimitives.WriteUInt32LittleEndian(c, chunk);
        return Derive(ReceiptSeed, e, c);
    }

    public Bytes32 PaidMarkerAddress(Bytes32 sourceIntentId) => Derive(PaidSeed, sourceIntentId.ToArray());

    public Instruction Initialize(Bytes32 admin, ChainId chainId, ulong refundGraceSeconds, byte threshold, IReadOnlyList<Bytes32> signers)
    {
        ArgumentNullException.ThrowIfNull(signers);
        CheckSignerCount(signers.Count);
        var data = new InstructionData(new byte[19 + (32 * signers.Count)]);
        data.U8((byte)EscrowInstruction.Initialize);
        data.U64(chainId.Value);
        data.U64(refundGraceSeconds);
        data.U8(threshold);
        data.U8((byte)signers.Count);
        foreach (var signer in signers)
        {
            data.Key(signer);
        }

        return Build([AccountMeta.Writable(admin, true), AccountMeta.Writable(Config), AccountMeta.ReadOnly(WellKnown.SystemProgram)], data);
    }

    public Instruction CreatePool(Bytes32 payer, Bytes32 mint) =>
        Build(
            [
                AccountMeta.Writable(payer, true), AccountMeta.ReadOnly(Config), AccountMeta.ReadOnly(mint),
                AccountMeta.Writable(PoolAddress(mint)), AccountMeta.Writable(VaultAddress(mint)), AccountMeta.ReadOnly(Authority),
                AccountMeta.ReadOnly(WellKnown.SystemProgram), AccountMeta.ReadOnly(WellKnown.TokenProgram),
            ],
            Tag(EscrowInstruction.CreatePool));

    /// <summary>Open; <paramref name="chainId"/> and <paramref name="nonce"/> must be the config's (they locate the intent PDA).</summary>
    public Instruction Open(Bytes32 depositor, Bytes32 depositorTokenAccount, OpenIntentParams intent, ChainId chainId, ulong nonce)
    {
        ArgumentNullException.ThrowIfNull(intent);
        var data = new InstructionData(new byte[153]);
        data.U8((byte)EscrowInstruction.Open);
        data.Key(intent.InputMint);
        data.U64(intent.InputAmount);
        data.U64(intent.DestinationChainId.Value);
        data.Key(intent.OutputToken);
        data.U256BigEndian(intent.MinOutputAmount);
        data.Key(intent.Recipient);
        data.I64(intent.FillDeadline);
        var id = Core.Intents.IntentId.Compute(chainId, ProgramId, nonce);
        return Build(
            [
                AccountMeta.Writable(depositor, true), AccountMeta.Writable(Config), AccountMeta.Writable(IntentAddress(id)),
                AccountMeta.Writable(depositorTokenAccount), AccountMeta.Writable(PoolAddress(intent.InputMint)),
                AccountMeta.Writable(VaultAddress(intent.InputMint)), AccountMeta.ReadOnly(WellKnown.SystemProgram),
                AccountMeta.ReadOnly(WellKnown.TokenProgram),
            ],
            data);
    }

    /// <summary>Settle one chunk. Attestors sign the transaction; the payer may be one of them.</summary>
    public Instruction Settle(Bytes32 payer, ulong epoch, uint chunk, Bytes32 batchRoot, IReadOnlyList<Bytes32> attestors, IReadOnlyList<EscrowSettleAction> actions)
    {
        ArgumentNullException.ThrowIfNull(attestors);
        ArgumentNullException.ThrowIfNull(actions);
        CheckSignerCount(attestors.Count);
        if (actions.Count is 0 or > MaxActionsPerSettle)
        {
            throw new ArgumentException($"A Settle carries 1..{MaxActionsPerSettle} actions, not {actions.Count}.", nameof(actions));
        }

        var data = new InstructionData(new byte[47 + (41 * actions.Count)]);
        data.U8((byte)EscrowInstruction.Settle);
        data.U64(epoch);
        data.U32(chunk);
        data.Key(batchRoot);
        data.U8((byte)attestors.Count);
        data.U8((byte)actions.Count);
        var accounts = new List<AccountMeta>
        {
            AccountMeta.Writable(payer, true), AccountMeta.ReadOnly(Config), AccountMeta.Writable(ReceiptAddress(epoch, chunk)),
            AccountMeta.ReadOnly(Authority), AccountMeta.ReadOnly(WellKnown.SystemProgram), AccountMeta.ReadOnly(WellKnown.TokenProgram),
        };
        accounts.AddRange(attestors.Select(a => new AccountMeta(a, true, a == payer)));
        foreach (var action in actions)
        {
            data.U8((byte)action.Kind);
            data.Key(action.IntentId);
            data.U64(action.Amount);
            var pool = AccountMeta.Writable(PoolAddress(action.Mint));
            var vault = AccountMeta.Writable(VaultAddress(action.Mint));
            var to = AccountMeta.Writable(action.DestinationTokenAccount);
            switch (action.Kind)
            {
                case ActionKind.Release:
                    accounts.AddRange([AccountMeta.Writable(IntentAddress(action.IntentId)), pool]);
                    break;
                case ActionKind.Refund:
                    accounts.AddRange([AccountMeta.Writable(IntentAddress(action.IntentId)), pool, vault, to]);
                    break;
                case ActionKind.Payout:
                    accounts.AddRange([AccountMeta.Writable(PaidMarkerAddress(action.IntentId)), pool, vault, to]);
                    break;
                case ActionKind.Withdraw:
                    accounts.AddRange([pool, vault, to]);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(actions), action.Kind, "Unknown action kind.");
            }
        }

        return Build(accounts, data);
    }

    public Instruction RefundExpired(Bytes32 intentId, Bytes32 mint, Bytes32 depositorTokenAccount) =>
        Build(
            [
                AccountMeta.ReadOnly(Config), AccountMeta.Writable(IntentAddress(intentId)), AccountMeta.Writable(PoolAddress(mint)),
                AccountMeta.Writable(VaultAddress(mint)), AccountMeta.Writable(depositorTokenAccount), AccountMeta.ReadOnly(Authority),
                AccountMeta.ReadOnly(WellKnown.TokenProgram),
            ],
            Tag(EscrowInstruction.RefundExpired));

    public Instruction Fund(Bytes32 funder, Bytes32 funderTokenAccount, Bytes32 mint, ulong amount)
    {
        var data = new InstructionData(new byte[9]);
        data.U8((byte)EscrowInstruction.Fund);
        data.U64(amount);
        return Build(
            [
                AccountMeta.ReadOnly(funder, true), AccountMeta.Writable(funderTokenAccount), AccountMeta.Writable(PoolAddress(mint)),
                AccountMeta.Writable(VaultAddress(mint)), AccountMeta.ReadOnly(WellKnown.TokenProgram),
            ],
            data);
    }

    public Instruction SetSigners(Bytes32 admin, byte threshold, IReadOnlyList<Bytes32> signers)
    {
        ArgumentNullException.ThrowIfNull(signers);
        CheckSignerCount(signers.Count);
        var data = new InstructionData(new byte[3 + (32 * signers.Count)]);
        data.U8((byte)EscrowInstruction.SetSigners);
        data.U8(threshold);
        data.U8((byte)signers.Count);
        foreach (var signer in signers)
        {
            data.Key(signer);
        }

        return Build([AccountMeta.ReadOnly(admin, true), AccountMeta.Writable(Config)], data);
    }

    public Instruction SetPaused(Bytes32 admin, bool paused)
    {
        var data = new InstructionData(new byte[2]);
        data.U8((byte)EscrowInstruction.SetPaused);
        data.U8(paused ? (byte)1 : (byte)0);
        return Build([AccountMeta.ReadOnly(admin, true), AccountMeta.Writable(Config)], data);
    }

    public Instruction SetDestinationChain(Bytes32 admin, ChainId chainId, bool enabled)
    {
        var data = new InstructionData(new byte[10]);
        data.U8((byte)EscrowInstruction.SetDestinationChain);
        data.U64(chainId.Value);
        data.U8(enabled ? (byte)1 : (byte)0);
        return Build([AccountMeta.ReadOnly(admin, true), AccountMeta.Writable(Config)], data);
    }

    private static void CheckSignerCount(int count)
    {
        if (count > MaxSigners)
        {
            throw new ArgumentException($"At most {MaxSigners} signers, not {count}.");
        }
    }

    private static InstructionData Tag(EscrowInstruction tag)
    {
        var data = new InstructionData(new byte[1]);
        data.U8((byte)tag);
        return data;
    }

    private Instruction Build(IReadOnlyList<AccountMeta> accounts, InstructionData data) => new(ProgramId, accounts, data.ToArray());

    // PDAs are pure functions of their seeds; the planner asks for the same ones many times.
    private Bytes32 Derive(params byte[][] seeds)
    {
        var key = Convert.ToHexString(seeds.SelectMany(s => s.Prepend((byte)s.Length)).ToArray());
        if (_derived.Count > ProgramAddress.MemoLimit)
        {
            _derived.Clear();
        }

        return _derived.GetOrAdd(key, static (_, state) => ProgramAddress.Find(state.Seeds, state.ProgramId).Address, (Seeds: seeds, ProgramId));
    }
}

/// <summary>Instruction tags of the escrow program.</summary>
public enum EscrowInstruction : byte
{
    Initialize = 0,
    CreatePool = 1,
    Open = 2,
    Settle = 3,
    RefundExpired = 4,
    Fund = 5,
    SetSigners = 6,
    SetPaused = 7,
    SetDestinationChain = 8,
}
