using System.Runtime.CompilerServices;
using DiscreteExec.Core.Intents;
using DiscreteExec.Core;

namespace DiscreteExec.Aggregator.Clearing;

/// <summary>Where an intent stands while the epoch clears.</summary>
internal enum IntentFate : byte
{
    Pending = 0,
    Filled,
    Refunded,
    Deferred,
}

/// <summary>
/// One intent's clearing state. Kept in an array in intent id order, so every list derived from it is already
/// canonical and nothing depends on the input's order.
/// </summary>
internal struct IntentWork
{
    public Intent Intent;

    /// <summary>
    /// The intent's input amount, copied in while the input streams in its own order: every phase reads it, and
    /// the records, read in id order, lie scattered in memory.
    /// </summary>
    public UInt256 Input;

    /// <summary>The intent's fill deadline, copied for the same reason.</summary>
    public ulong Deadline;

    public IntentFate Fate;
    public string? RefundReason;

    /// <summary>base × assetCount + quote for a swap, −1 for a transfer.</summary>
    public int Pair;
    public bool SellsBase;
    public int InputKey;
    public int OutputKey;

    /// <summary>g*: the least integer gross output whose payout meets the limit.</summary>
    public UInt256 Required;

    /// <summary>For a fill: the fee on g = floor(G), the payout g − fee and the dust numerator (dust = Remainder / price denominator).</summary>
    public UInt256 Fee;
    public UInt256 Payout;
    public UInt256 Remainder;
}

/// <summary>A traded pair's outcome: the reduced price (quote asset units per base asset unit).</summary>
internal sealed record PairResult(int Base, int Quote, System.Numerics.BigInteger Numerator, System.Numerics.BigInteger Denominator);

/// <summary>The shared state of one Clear call, passed through its phases.</summary>
internal sealed class EpochWork(EpochInput input, EpochCatalog catalog, IntentWork[] intents)
{
    public EpochInput Input { get; } = input;

    public EpochCatalog Catalog { get; } = catalog;

    public Arithmetic.FeeSchedule Fees { get; } = new(input.FeeBps);

    /// <summary>Every intent, ascending by id.</summary>
    public IntentWork[] Intents { get; } = intents;

    /// <summary>Pair results by pair code, filled by the pair phase.</summary>
    public SortedDictionary<int, PairResult> Pairs { get; } = [];

    public int AssetCount => Catalog.Assets.Length;

    /// <summary>Records a fill at gross g with remainder r: fee and payout follow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Fill(int index, UInt256 gross, UInt256 remainder)
    {
        ref var work = ref Intents[index];
        if (gross < work.Required)
        {
            throw new InvalidOperationException($"Intent {work.Intent.IntentId}: filled below its limit (engine bug).");
        }

        work.Fate = IntentFate.Filled;
        work.Remainder = remainder;
        work.Fee = Fees.Fee(gross);
        work.Payout = gross - work.Fee;
    }
}
