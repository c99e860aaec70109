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

/// <summary>
/// One Settle action: the leaf's fields (<see cref="Account"/> is the wallet the leaf names: the depositor of a
/// Refund, the recipient of a Payout or Withdraw, zero for a Release) and the token account it moves funds to.
/// When that token account cannot receive (frozen, closed, another mint or owner, the vault), the program credits
/// the amount to the claim PDA <c>["claim", account, mint]</c> instead of failing.
/// </summary>
public readonly record struct EscrowSettleAction(ActionKind Kind, Bytes32 IntentId, Bytes32 Account, ulong Amount, Bytes32 Mint, Bytes32 DestinationTokenAccount)
{
    /// <summary>The action of a leaf paying to <paramref name="destinationTokenAccount"/>.</summary>
    public static EscrowSettleAction From(in SettlementAction action, Bytes32 destinationTokenAccount) =>
        new(action.Kind, action.IntentId, action.Account, action.Amount.AsUInt64, action.Token, destinationTokenAccount);

    public SettlementAction ToLeafAction() => new(Kind, IntentId, Mint, Account, Amount);
}

/// <summary>
/// Addresses and instructions of the DiscreteExec escrow program, byte for byte as <c>programs/solana/README.md</c>
/// fixes them (one tag byte, packed little-endian fields; minOutputAmount as 32 bytes big-endian).
/// </summary>
public sealed class EscrowProgram
{
    public const int MaxActionsPerSettle = 32;
    public const int MaxSigners = 16;
    public const int ActionSize = 73;

    /// <summary>Bounds of the refund grace period and of the attestor-set activation delay fixed at Initialize (seconds).</summary>
    public const ulong MinGraceSeconds = 3600, MaxGraceSeconds = 30 * 86400, MinActivationDelaySeconds = 3600, MaxActivationDelaySeconds = 30 * 86400;
    private static readonly byte[] ConfigSeed = Encoding.ASCII.GetBytes("config");
    private static readonly byte[] AuthoritySeed = Encoding.ASCII.GetBytes("authority");
    private static readonly byte[] PoolSeed = Encoding.ASCII.GetBytes("pool");
    private static readonly byte[] VaultSeed = Encoding.ASCII.GetBytes("vault");
    private static readonly byte[] IntentSeed = Encoding.ASCII.GetBytes("intent");
    private static readonly byte[] ReceiptSeed = Encoding.ASCII.GetBytes("receipt");
    private static readonly byte[] PaidSeed = Encoding.ASCII.GetBytes("paid");
    private static readonly byte[] WithdrawnSeed = Encoding.ASCII.GetBytes("withdrawn");
    private static readonly byte[] ClaimSeed = Encoding.ASCII.GetBytes("claim");

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

    /// <summary>The per-Withdraw marker <c>["withdrawn", leafHash]</c>: a Withdraw applies at most once whatever the chunking.</summary>
    public Bytes32 WithdrawMarkerAddress(Bytes32 leafHash) => Derive(WithdrawnSeed, leafHash.ToArray());

    /// <summary>The claim PDA <c>["claim", owner, mint]</c> holding what could not be delivered to <paramref name="owner"/>.</summary>
    public Bytes32 ClaimAddress(Bytes32 owner, Bytes32 mint) => Derive(ClaimSeed, owner.ToArray(), mint.ToArray());

    /// <summary>
    /// How many bumps the program's PDA search tries (~324 CU each: a sha256 and a curve check) to find the claim PDA of
    /// (<paramref name="owner"/>, <paramref name="mint"/>): 256 minus its bump. An owner can grind a key that needs
    /// many; the count is exact for the given key, so a compute budget built from it is safe against grinding.
    /// </summary>
    public int ClaimSearchTries(Bytes32 owner, Bytes32 mint) => 256 - ProgramAddress.Find([ClaimSeed, owner.ToArray(), mint.ToArray()], ProgramId).Bump;

    /// <summary>Bumps tried to find the withdraw marker <c>["withdrawn", leafHash]</c> (its account and amount steer the leaf).</summary>
    public int WithdrawMarkerSearchTries(Bytes32 leafHash) => 256 - ProgramAddress.Find([WithdrawnSeed, leafHash.ToArray()], ProgramId).Bump;

    /// <summary>
    /// Initialize. The grace period and the activation delay of attestor-set changes are fixed here for good, each
    /// within [<see cref="MinGraceSeconds"/>, <see cref="MaxGraceSeconds"/>] (the program refuses anything else).
    /// </summary>
    public Instruction Initialize(Bytes32 admin, ChainId chainId, ulong refundGraceSeconds, ulong activationDelaySeconds, byte threshold, IReadOnlyList<Bytes32> signers)
    {
        ArgumentNullException.ThrowIfNull(signers);
        CheckSignerCount(signers.Count);
        var data = new InstructionData(new byte[27 + (32 * signers.Count)]);
        data.U8((byte)EscrowInstruction.Initialize);
        data.U64(chainId.Value);
        data.U64(refundGraceSeconds);
        data.U64(activationDelaySeconds);
        data.U8(threshold);
        data.U8((byte)signers.Count);
        foreach (var signer in signers)
        {
            data.Key(signer);
        }

        return Build([AccountMeta.Writable(admin, true), AccountMeta.Writable(Config), AccountMeta.ReadOnly(WellKnown.SystemProgram)], data);
    }

    /// <summary>Registers a mint (admin only): creates its pool and vault, so it can be opened and funded.</summary>
    public Instruction CreatePool(Bytes32 admin, Bytes32 mint) =>
        Build(
            [
                AccountMeta.Writable(admin, true), AccountMeta.ReadOnly(Config), AccountMeta.ReadOnly(mint),
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

    /// <summary>
    /// Settle one chunk (Releases only, or no Release). Attestors sign the transaction; the payer may be one of them.
    /// <paramref name="chainId"/> is this cluster's: a Withdraw's marker PDA is keyed by its leaf hash.
    /// </summary>
    public Instruction Settle(Bytes32 payer, ChainId chainId, ulong epoch, uint chunk, Bytes32 batchRoot, IReadOnlyList<Bytes32> attestors, IReadOnlyList<EscrowSettleAction> actions)
    {
        ArgumentNullException.ThrowIfNull(attestors);
        ArgumentNullException.ThrowIfNull(actions);
        CheckSignerCount(attestors.Count);
        if (actions.Count is 0 or > MaxActionsPerSettle)
        {
            throw new ArgumentException($"A Settle carries 1..{MaxActionsPerSettle} actions, not {actions.Count}.", nameof(actions));
        }

        var data = new InstructionData(new byte[47 + (ActionSize * actions.Count)]);
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
            data.Key(action.Account);
            data.U64(action.Amount);
            var pool = AccountMeta.Writable(PoolAddress(action.Mint));
            if (action.Kind == ActionKind.Release)
            {
                accounts.AddRange([AccountMeta.Writable(IntentAddress(action.IntentId)), pool]);
                continue;
            }

            var first = action.Kind switch
            {
                ActionKind.Refund => IntentAddress(action.IntentId),
                ActionKind.Payout => PaidMarkerAddress(action.IntentId),
                ActionKind.Withdraw => WithdrawMarkerAddress(SettlementLeaf.Hash(chainId, epoch, action.ToLeafAction())),
                _ => throw new ArgumentOutOfRangeException(nameof(actions), action.Kind, "Unknown action kind."),
            };
            accounts.AddRange(
            [
                AccountMeta.Writable(first), pool, AccountMeta.Writable(VaultAddress(action.Mint)),
                AccountMeta.Writable(action.DestinationTokenAccount), AccountMeta.Writable(ClaimAddress(action.Account, action.Mint)),
            ]);
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

    /// <summary>
    /// Proposes a new attestor set; at least the current threshold of current attestors sign the transaction. The set
    /// takes effect when <see cref="ActivateSigners"/> runs after the config's activation delay; a new proposal replaces a pending one.
    /// </summary>
    public Instruction ProposeSigners(IReadOnlyList<Bytes32> currentAttestors, byte threshold, IReadOnlyList<Bytes32> signers)
    {
        ArgumentNullException.ThrowIfNull(currentAttestors);
        ArgumentNullException.ThrowIfNull(signers);
        CheckSignerCount(signers.Count);
        CheckSignerCount(currentAttestors.Count);
        var data = new InstructionData(new byte[3 + (32 * signers.Count)]);
        data.U8((byte)EscrowInstruction.ProposeSigners);
        data.U8(threshold);
        data.U8((byte)signers.Count);
        foreach (var signer in signers)
        {
            data.Key(signer);
        }

        return Build([AccountMeta.Writable(Config), .. currentAttestors.Select(a => AccountMeta.ReadOnly(a, true))], data);
    }

    /// <summary>Activates the pending attestor set once its activation time has come (anyone may send it).</summary>
    public Instruction ActivateSigners() => Build([AccountMeta.Writable(Config)], Tag(EscrowInstruction.ActivateSigners));

    /// <summary>First step of the admin hand-over (zero cancels a pending one).</summary>
    public Instruction ProposeAdmin(Bytes32 admin, Bytes32 newAdmin)
    {
        var data = new InstructionData(new byte[33]);
        data.U8((byte)EscrowInstruction.ProposeAdmin);
        data.Key(newAdmin);
        return Build([AccountMeta.ReadOnly(admin, true), AccountMeta.Writable(Config)], data);
    }

    /// <summary>Second step: the proposed admin signs and takes over.</summary>
    public Instruction AcceptAdmin(Bytes32 newAdmin) =>
        Build([AccountMeta.ReadOnly(newAdmin, true), AccountMeta.Writable(Config)], Tag(EscrowInstruction.AcceptAdmin));

    /// <summary>The claim's owner collects all of it to <paramref name="destinationTokenAccount"/> (any token account of the mint).</summary>
    public Instruction Claim(Bytes32 owner, Bytes32 mint, Bytes32 destinationTokenAccount) =>
        Build(
            [
                AccountMeta.ReadOnly(owner, true), AccountMeta.ReadOnly(Config), AccountMeta.Writable(ClaimAddress(owner, mint)),
                AccountMeta.Writable(PoolAddress(mint)), AccountMeta.Writable(VaultAddress(mint)), AccountMeta.Writable(destinationTokenAccount),
                AccountMeta.ReadOnly(Authority), AccountMeta.ReadOnly(WellKnown.TokenProgram),
            ],
            Tag(EscrowInstruction.Claim));

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
    /// <summary>v1's admin SetSigners; v2 refuses it (the attestor set governs itself).</summary>
    RetiredSetSigners = 6,
    SetPaused = 7,
    SetDestinationChain = 8,
    ProposeSigners = 9,
    ActivateSigners = 10,
    ProposeAdmin = 11,
    AcceptAdmin = 12,
    Claim = 13,
}
