using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Settlement;

/// <summary>
/// The instructions of one chunk's transaction, the compute units it requests, its wire size (legacy, or v0 over
/// <paramref name="Table"/>), the static estimate (<paramref name="EstimatedUnits"/>, used when no simulation is
/// available and to check that a chunk fits) and the reserve for the path a simulation may not take
/// (<paramref name="UndeliverableReserve"/>: every transfer becoming a claim).
/// </summary>
internal sealed record ChunkTransaction(
    IReadOnlyList<Instruction> Instructions, uint ComputeUnits, int Size, AddressLookupTable? Table, uint EstimatedUnits, uint UndeliverableReserve, int AccountCount)
{
    /// <summary>The most accounts a transaction may lock (the runtime's <c>MAX_TX_ACCOUNT_LOCKS</c>).</summary>
    public const int MaxAccountLocks = 64;

    /// <summary>Accounts a lookup table can carry for this transaction: every account that neither signs nor is an invoked program, in first-use order.</summary>
    public IReadOnlyList<Bytes32> LookupAddresses => ChunkTransactionBuilder.LookupAddresses(Instructions);
}

/// <summary>
/// Builds the one transaction that applies a planned chunk (<see cref="SettlementChunk"/>; the chunk planner
/// fixed its actions): compute budget, an idempotent associated-token-account creation for each destination that
/// does not exist yet, then the escrow's Settle. Every destination is the wallet's associated token account; one
/// that exists but cannot receive (frozen, owner reassigned, closed later) becomes a claim on chain, never a failure.
/// With an address lookup table the message is v0 and every account in the table is loaded from it.
/// </summary>
internal static class ChunkTransactionBuilder
{
    // Static estimates with headroom over LiteSVM measurements (programs/solana/README.md): the limit requested
    // when no simulation is available, and the figure a chunk must fit under ComputeUnitLimit with.
    private const uint BaseUnits = 20_000;
    private const uint UnitsPerAttestor = 2_000;
    private const uint UnitsPerReceipt = 6_000;
    private const uint UnitsPerRelease = 8_000;
    private const uint UnitsPerTransfer = 24_000; // transfer CPI or a new claim PDA, the leaf, the checks
    private const uint UnitsPerMarker = 6_000; // paid / withdraw marker PDA
    private const uint UnitsPerAtaCreate = 32_000;

    // The program searches each PDA's canonical bump as sol_try_find_program_address does (255 down), but each try
    // is one sol_sha256 and one sol_curve_validate_point: 324 CU measured (programs/solana/README.md, "Compute
    // units"; 1,500 CU per try with the runtime's search before), up to 255 tries. A depositor or recipient can grind
    // a key whose claim PDA ["claim", owner, mint] needs many (and a Withdraw's account moves its marker
    // ["withdrawn", leaf]). The builder counts the bumps each such search takes for the chunk's actual keys
    // (EscrowProgram.*SearchTries: the same search the program runs), so a ground key is paid for exactly, not
    // guessed: the claim search of every transfer is reserved on top of a simulation (the simulated transfer may be
    // delivered and never search; the recipient can make it undeliverable before it lands), the Withdraw marker
    // search always runs and is simulated. The paid marker (keyed by the source intent id) and the receipt are not steerable.
    internal const uint UnitsPerBump = 400;
    private const uint ClaimInsteadOfTransfer = 2_000; // "undeliverable -> new claim" minus "delivered" (1.3k measured)
    public const uint MaxComputeUnits = 1_400_000; // the most a Solana transaction can request
    private const int MaxActionsPerChunk = 32; // the options' upper bound for a chunk limit
    private const ulong WorstCaseKeyBase = 0xDE00_0000; // synthetic keys of the worst-case transactions

    /// <summary>
    /// The transaction; <paramref name="missingAccounts"/> are the (owner, mint) pairs whose associated token account
    /// does not exist (created in it). <paramref name="computeUnits"/> is the limit to request (null: the static
    /// estimate); <paramref name="table"/> makes it v0.
    /// </summary>
    public static ChunkTransaction Build(
        SettlementChunk chunk, EscrowProgram escrow, Bytes32 payer, IReadOnlyList<Bytes32> attestors, ulong computeUnitPrice,
        IReadOnlySet<(Bytes32 Owner, Bytes32 Mint)> missingAccounts, AddressLookupTable? table = null, uint? computeUnits = null)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(escrow);
        ArgumentNullException.ThrowIfNull(attestors);
        ArgumentNullException.ThrowIfNull(missingAccounts);
        Validate(chunk);
        var instructions = new List<Instruction>();
        var created = new HashSet<(Bytes32, Bytes32)>();
        var settle = new EscrowSettleAction[chunk.Actions.Count];
        ulong units = BaseUnits + UnitsPerReceipt + (UnitsPerAttestor * (uint)attestors.Count);
        ulong reserve = 0;
        for (var i = 0; i < settle.Length; i++)
        {
            var a = chunk.Actions[i];
            var destination = a.Kind == ActionKind.Release ? default : ProgramAddress.AssociatedTokenAccount(a.Account, a.Token);
            settle[i] = EscrowSettleAction.From(a, destination);
            if (a.Kind == ActionKind.Release)
            {
                units += UnitsPerRelease;
                continue;
            }

            var claimSearch = (uint)escrow.ClaimSearchTries(a.Account, a.Token) * UnitsPerBump;
            reserve += claimSearch + ClaimInsteadOfTransfer;
            units += UnitsPerTransfer + claimSearch + a.Kind switch
            {
                ActionKind.Refund => 0u,
                ActionKind.Payout => UnitsPerMarker,
                _ => UnitsPerMarker + ((uint)escrow.WithdrawMarkerSearchTries(SettlementLeaf.Hash(chunk.ChainId, chunk.EpochId, a)) * UnitsPerBump),
            };
            if (missingAccounts.Contains((a.Account, a.Token)) && created.Add((a.Account, a.Token)))
            {
                instructions.Add(AssociatedTokenProgram.CreateIdempotent(payer, a.Account, a.Token));
                units += UnitsPerAtaCreate;
            }
        }

        var estimate = (uint)Math.Min(units, MaxComputeUnits);
        var limit = Math.Min(computeUnits ?? estimate, MaxComputeUnits);
        instructions.Add(escrow.Settle(payer, chunk.ChainId, chunk.EpochId, chunk.Index, chunk.BatchRoot, attestors, settle));
        var budget = new List<Instruction> { ComputeBudgetProgram.SetComputeUnitLimit(limit) };
        if (computeUnitPrice > 0)
        {
            budget.Add(ComputeBudgetProgram.SetComputeUnitPrice(computeUnitPrice));
        }

        instructions.InsertRange(0, budget);
        var message = table is null ? MessageCompiler.Compile(payer, instructions, Bytes32.Zero) : MessageCompiler.CompileV0(payer, instructions, Bytes32.Zero, [table]);
        var accounts = message.StaticAccountKeys.Count + message.AddressTableLookups.Sum(l => l.WritableIndexes.Length + l.ReadOnlyIndexes.Length);
        return new ChunkTransaction(
            instructions, limit, Transaction.SizeOf(message.Header.RequiredSignatures, message.Serialize().Length), table, estimate, (uint)Math.Min(reserve, MaxComputeUnits), accounts);
    }

    /// <summary>
    /// The most actions per Release chunk and per transfer chunk that always fit one transaction signed by a payer
    /// besides <paramref name="attestors"/> attestors (the payer attesting only saves a signature): bytes, account
    /// locks and the static compute estimate under <paramref name="computeUnitLimit"/>, built for real in the worst
    /// case: a priority fee, a distinct mint and recipient per action, every recipient's token account created, each
    /// transfer kind (with <paramref name="lookupTable"/>, every loadable account in the table: a table that is still
    /// being extended is waited for, never bypassed).
    /// </summary>
    public static ChunkLimits WorstCaseLimits(EscrowProgram escrow, ChainId chain, int attestors, bool lookupTable, uint computeUnitLimit)
    {
        ArgumentNullException.ThrowIfNull(escrow);
        Bytes32[] signers = [.. Enumerable.Range(0, attestors).Select(i => Bytes32.FromUInt64(WorstCaseKeyBase + (ulong)i))];
        bool Fits(ActionKind kind, int count)
        {
            var built = WorstCase(escrow, chain, kind, count, Bytes32.FromUInt64(WorstCaseKeyBase - 1), signers, lookupTable);
            return built.Size <= Transaction.MaxSize && built.AccountCount <= ChunkTransaction.MaxAccountLocks && built.EstimatedUnits <= computeUnitLimit;
        }

        int Most(params ActionKind[] kinds)
        {
            var count = 0;
            while (count < MaxActionsPerChunk && kinds.All(k => Fits(k, count + 1)))
            {
                count++;
            }

            return count;
        }

        return new ChunkLimits(Most(ActionKind.Release), Most(ActionKind.Refund, ActionKind.Payout, ActionKind.Withdraw));
    }

    /// <summary>
    /// The worst-case transaction of <paramref name="count"/> actions of <paramref name="kind"/> (see
    /// <see cref="WorstCaseLimits"/>), paid by <paramref name="payer"/>; with <paramref name="lookupTable"/> v0 over a
    /// table holding every loadable account.
    /// </summary>
    internal static ChunkTransaction WorstCase(EscrowProgram escrow, ChainId chain, ActionKind kind, int count, Bytes32 payer, IReadOnlyList<Bytes32> attestors, bool lookupTable)
    {
        var stage = kind == ActionKind.Release ? ChunkStage.Release : ChunkStage.Transfer;
        var actions = Enumerable.Range(0, count).Select(i => new SettlementAction(
            kind,
            kind == ActionKind.Withdraw ? Bytes32.Zero : Bytes32.FromUInt64(WorstCaseKeyBase + 1000 + (ulong)i),
            Bytes32.FromUInt64(WorstCaseKeyBase + 2000 + (ulong)i),
            kind == ActionKind.Release ? Bytes32.Zero : Bytes32.FromUInt64(WorstCaseKeyBase + 3000 + (ulong)i),
            kind == ActionKind.Release ? UInt256.Zero : ulong.MaxValue - (ulong)i)).ToArray();
        var chunk = new SettlementChunk(chain, ulong.MaxValue, uint.MaxValue, Bytes32.FromUInt64(WorstCaseKeyBase), stage, actions);
        var missing = actions.Where(a => a.Kind != ActionKind.Release).Select(a => (a.Account, a.Token)).ToHashSet();
        var legacy = Build(chunk, escrow, payer, attestors, ulong.MaxValue, missing);
        return lookupTable ? Build(chunk, escrow, payer, attestors, ulong.MaxValue, missing, new AddressLookupTable(Bytes32.FromUInt64(WorstCaseKeyBase - 2), legacy.LookupAddresses), MaxComputeUnits) : legacy;
    }

    /// <summary>
    /// The limit to request after a simulation consumed <paramref name="simulatedUnits"/>: that plus the reserve for
    /// every transfer turning into a claim (the exact bump search of its key), plus <paramref name="marginPercent"/>,
    /// capped at what a transaction can request.
    /// </summary>
    public static uint LimitFromSimulation(ulong simulatedUnits, uint undeliverableReserve, int marginPercent) =>
        (uint)Math.Min((simulatedUnits + undeliverableReserve) * (ulong)(100 + marginPercent) / 100, MaxComputeUnits);

    /// <summary>Every account of <paramref name="instructions"/> that neither signs nor is invoked as a program, in first-use order.</summary>
    public static IReadOnlyList<Bytes32> LookupAddresses(IReadOnlyList<Instruction> instructions)
    {
        var programs = instructions.Select(i => i.ProgramId).ToHashSet();
        var signers = instructions.SelectMany(i => i.Accounts).Where(a => a.IsSigner).Select(a => a.Key).ToHashSet();
        return [.. instructions.SelectMany(i => i.Accounts).Select(a => a.Key).Where(k => !programs.Contains(k) && !signers.Contains(k)).Distinct()];
    }

    /// <summary>The (owner, mint) pairs a chunk pays to, in order, without duplicates.</summary>
    public static IReadOnlyList<(Bytes32 Owner, Bytes32 Mint)> Destinations(SettlementChunk chunk) =>
        [.. chunk.Actions.Where(a => a.Kind != ActionKind.Release).Select(a => (a.Account, a.Token)).Distinct()];

    // The program recomputes each leaf from the action's fields and accounts; an action it would refuse is refused here, by name.
    private static void Validate(SettlementChunk chunk)
    {
        var releases = chunk.Actions.Count(a => a.Kind == ActionKind.Release);
        if (chunk.Actions.Count == 0 || (releases != 0 && releases != chunk.Actions.Count) || (releases == 0) != (chunk.Stage == ChunkStage.Transfer))
        {
            throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"a {chunk.Stage} chunk of {chunk.Actions.Count} actions with {releases} Releases: a chunk carries Releases only, or none.");
        }

        for (var i = 0; i < chunk.Actions.Count; i++)
        {
            var action = chunk.Actions[i];
            if (!action.Amount.FitsUInt64)
            {
                throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"action {i} ({action.Kind}): amount {action.Amount} exceeds an SPL amount (u64).");
            }

            var valid = action.Kind switch
            {
                ActionKind.Release => action.Account.IsZero && action.Amount.IsZero && !action.Token.IsZero,
                ActionKind.Refund or ActionKind.Payout => !action.Account.IsZero && !action.Token.IsZero,
                ActionKind.Withdraw => action.IntentId.IsZero && !action.Account.IsZero && !action.Token.IsZero,
                _ => false,
            };
            if (!valid)
            {
                throw new ChunkSubmissionException(chunk.EpochId, chunk.Index, $"action {i} ({action.Kind}, intent {action.IntentId}) has fields the escrow would not accept for its kind.");
            }
        }
    }
}
