using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Settlement;

/// <summary>The instructions of one chunk's transaction, with the compute units it requests and its legacy wire size.</summary>
internal sealed record ChunkTransaction(IReadOnlyList<Instruction> Instructions, uint ComputeUnits, int Size);

/// <summary>
/// Builds the one legacy transaction that applies a planned chunk (<see cref="SettlementChunk"/>; the chunk planner
/// fixed its actions): compute budget, an idempotent associated-token-account creation for each destination that
/// does not exist yet, then the escrow's Settle. Every destination is the wallet's associated token account; one
/// that exists but cannot receive (frozen, owner reassigned, closed later) becomes a claim on chain, never a failure.
/// </summary>
internal static class ChunkTransactionBuilder
{
    // Estimates with headroom over LiteSVM measurements (programs/solana/README.md); the limit requested is the sum.
    private const uint BaseUnits = 20_000;
    private const uint UnitsPerAttestor = 2_000;
    private const uint UnitsPerReceipt = 6_000;
    private const uint UnitsPerRelease = 8_000;
    private const uint UnitsPerTransfer = 24_000; // transfer CPI or a new claim PDA, the leaf, the checks
    private const uint UnitsPerMarker = 6_000; // paid / withdraw marker PDA
    private const uint UnitsPerAtaCreate = 32_000;

    // sol_try_find_program_address costs 1,500 CU per bump tried, up to 256. A depositor or recipient can grind a key
    // whose claim PDA ["claim", owner, mint] needs many (and a Withdraw's account moves its marker ["withdrawn", leaf]),
    // so each transfer action is budgeted the whole search for each PDA its owner can steer: the claim (every
    // transfer) and the withdraw marker (Withdraw). The paid marker (keyed by the source intent id) and the receipt
    // are not steerable.
    private const uint UnitsPerWorstPdaSearch = 256 * 1_500;
    private const uint MaxComputeUnits = 1_400_000; // the most a Solana transaction can request

    /// <summary>The transaction; <paramref name="missingAccounts"/> are the (owner, mint) pairs whose associated token account does not exist (created in it).</summary>
    public static ChunkTransaction Build(
        SettlementChunk chunk, EscrowProgram escrow, Bytes32 payer, IReadOnlyList<Bytes32> attestors, ulong computeUnitPrice,
        IReadOnlySet<(Bytes32 Owner, Bytes32 Mint)> missingAccounts)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(escrow);
        ArgumentNullException.ThrowIfNull(attestors);
        ArgumentNullException.ThrowIfNull(missingAccounts);
        Validate(chunk);
        var instructions = new List<Instruction>();
        var created = new HashSet<(Bytes32, Bytes32)>();
        var settle = new EscrowSettleAction[chunk.Actions.Count];
        var units = BaseUnits + UnitsPerReceipt + (UnitsPerAttestor * (uint)attestors.Count);
        for (var i = 0; i < settle.Length; i++)
        {
            var a = chunk.Actions[i];
            var destination = a.Kind == ActionKind.Release ? default : ProgramAddress.AssociatedTokenAccount(a.Account, a.Token);
            settle[i] = EscrowSettleAction.From(a, destination);
            units += a.Kind switch
            {
                ActionKind.Release => UnitsPerRelease,
                ActionKind.Refund => UnitsPerTransfer + UnitsPerWorstPdaSearch,
                ActionKind.Payout => UnitsPerTransfer + UnitsPerMarker + UnitsPerWorstPdaSearch,
                _ => UnitsPerTransfer + UnitsPerMarker + (2 * UnitsPerWorstPdaSearch),
            };
            if (a.Kind != ActionKind.Release && missingAccounts.Contains((a.Account, a.Token)) && created.Add((a.Account, a.Token)))
            {
                instructions.Add(AssociatedTokenProgram.CreateIdempotent(payer, a.Account, a.Token));
                units += UnitsPerAtaCreate;
            }
        }

        units = Math.Min(units, MaxComputeUnits);
        instructions.Add(escrow.Settle(payer, chunk.ChainId, chunk.EpochId, chunk.Index, chunk.BatchRoot, attestors, settle));
        var budget = new List<Instruction> { ComputeBudgetProgram.SetComputeUnitLimit(units) };
        if (computeUnitPrice > 0)
        {
            budget.Add(ComputeBudgetProgram.SetComputeUnitPrice(computeUnitPrice));
        }

        instructions.InsertRange(0, budget);
        var message = MessageCompiler.Compile(payer, instructions, Bytes32.Zero);
        return new ChunkTransaction(instructions, units, Transaction.SizeOf(message.Header.RequiredSignatures, message.Serialize().Length));
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
