using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Adapters.Solana.Settlement;

/// <summary>One transaction's worth of a leg: its chunk index, actions, chunk hash and instructions.</summary>
public sealed record PlannedChunk(uint Index, IReadOnlyList<SettlementAction> Actions, Bytes32 ChunkHash, IReadOnlyList<Instruction> Instructions, uint ComputeUnits, int TransactionSize);

/// <summary>
/// Splits a leg into chunks, greedily in leg order, each as large as fits one legacy transaction (1232 bytes with
/// every signature) within the compute limit and the program's 32 actions. The plan depends only on the leg, the
/// signer keys and the options — never on chain state — so a retry or a restart rebuilds the same chunks and the
/// program's (epoch, chunk) receipts make each apply at most once. Every destination token account is the owner's
/// associated token account, created idempotently in the same transaction.
/// </summary>
public static class LegChunkPlanner
{
    // Estimates with headroom over LiteSVM measurements; the limit each transaction requests is the sum.
    private const uint BaseUnits = 20_000;
    private const uint UnitsPerAttestor = 2_000;
    private const uint UnitsPerRelease = 8_000;
    private const uint UnitsPerTransferAction = 20_000;
    private const uint UnitsPerMarkerOrReceiptCreation = 6_000;
    private const uint UnitsPerAtaCreate = 32_000;

    public static IReadOnlyList<PlannedChunk> Plan(
        SettlementLeg leg, EscrowProgram escrow, Bytes32 payer, IReadOnlyList<Bytes32> attestors, ulong computeUnitPrice, uint computeUnitLimit)
    {
        ArgumentNullException.ThrowIfNull(leg);
        ArgumentNullException.ThrowIfNull(escrow);
        ArgumentNullException.ThrowIfNull(attestors);
        for (var i = 0; i < leg.Actions.Count; i++)
        {
            Validate(leg.Actions[i], i);
        }

        var chunks = new List<PlannedChunk>();
        var start = 0;
        while (start < leg.Actions.Count)
        {
            PlannedChunk? best = null;
            for (var count = 1; start + count <= leg.Actions.Count && count <= EscrowProgram.MaxActionsPerSettle; count++)
            {
                var candidate = Build(leg, escrow, payer, attestors, computeUnitPrice, (uint)chunks.Count, start, count);
                if (candidate.TransactionSize > Transaction.MaxSize || candidate.ComputeUnits > computeUnitLimit)
                {
                    break;
                }

                best = candidate;
            }

            if (best is null)
            {
                throw new InvalidOperationException(
                    $"Action {start} of epoch {leg.EpochId} does not fit one transaction (size {Transaction.MaxSize}, compute {computeUnitLimit}) even alone.");
            }

            chunks.Add(best);
            start += best.Actions.Count;
        }

        return chunks;
    }

    private static PlannedChunk Build(
        SettlementLeg leg, EscrowProgram escrow, Bytes32 payer, IReadOnlyList<Bytes32> attestors, ulong price, uint index, int start, int count)
    {
        var actions = leg.Actions.Skip(start).Take(count).ToArray();
        var instructions = new List<Instruction>();
        var atas = new HashSet<(Bytes32 Owner, Bytes32 Mint)>();
        var settle = new EscrowSettleAction[actions.Length];
        var units = BaseUnits + UnitsPerMarkerOrReceiptCreation + (UnitsPerAttestor * (uint)attestors.Count);
        for (var i = 0; i < actions.Length; i++)
        {
            var a = actions[i];
            var destination = a.Kind == ActionKind.Release ? default : ProgramAddress.AssociatedTokenAccount(a.Account, a.Token);
            settle[i] = new EscrowSettleAction(a.Kind, a.IntentId, a.Amount.AsUInt64, a.Token, destination);
            units += a.Kind switch
            {
                ActionKind.Release => UnitsPerRelease,
                ActionKind.Payout => UnitsPerTransferAction + UnitsPerMarkerOrReceiptCreation,
                _ => UnitsPerTransferAction,
            };
            if (a.Kind != ActionKind.Release && atas.Add((a.Account, a.Token)))
            {
                instructions.Add(AssociatedTokenProgram.CreateIdempotent(payer, a.Account, a.Token));
                units += UnitsPerAtaCreate;
            }
        }

        instructions.Add(escrow.Settle(payer, leg.EpochId, index, leg.BatchRoot, attestors, settle));
        var budget = new List<Instruction> { ComputeBudgetProgram.SetComputeUnitLimit(units) };
        if (price > 0)
        {
            budget.Add(ComputeBudgetProgram.SetComputeUnitPrice(price));
        }

        instructions.InsertRange(0, budget);
        var message = MessageCompiler.Compile(payer, instructions, Bytes32.Zero);
        var size = Transaction.SizeOf(message.Header.RequiredSignatures, message.Serialize().Length);
        var leaves = SettlementLeaf.Hashes(leg.ChainId, leg.EpochId, actions);
        return new PlannedChunk(index, actions, SettlementLeaf.ChunkHash(leaves), instructions, units, size);
    }

    // The program recomputes each leaf from the accounts; an action whose fields it cannot reproduce would fail on chain.
    private static void Validate(SettlementAction action, int index)
    {
        if (!action.Amount.FitsUInt64)
        {
            throw new ArgumentException($"Action {index} ({action.Kind}): amount {action.Amount} exceeds an SPL amount (u64).");
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
            throw new ArgumentException($"Action {index} ({action.Kind}, intent {action.IntentId}) has fields the escrow would not accept for its kind.");
        }
    }
}
