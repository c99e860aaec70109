using DiscreteExec.Aggregator.Clearing;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;

namespace DiscreteExec.Relayer.Node.Operators;

/// <summary>
/// Rounds of an epoch in an operator set. Round 0's batch root is the clearing's own; round r &gt; 0 binds it to r
/// (keccak256 of a tag, the clearing's root and r), so a signature given in one round never counts for a root of
/// another: a root of an abandoned round can never reach the threshold later. The escrows see roots only.
/// </summary>
internal static class EpochRounds
{
    private static readonly byte[] Tag = "DiscreteExec epoch round root"u8.ToArray();

    /// <summary>The batch with its root (and every leg's) bound to <paramref name="round"/>; round 0 unchanged.</summary>
    public static SettlementBatch Bind(SettlementBatch batch, uint round)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (round == 0)
        {
            return batch;
        }

        var root = RootOf(batch.BatchRoot, round);
        return batch with { BatchRoot = root, Legs = [.. batch.Legs.Select(l => l with { BatchRoot = root })] };
    }

    /// <summary>The clearing of <paramref name="input"/> with its root bound to <paramref name="round"/>.</summary>
    public static SettlementBatch Clear(EpochInput input, uint round) => Bind(EpochClearing.Clear(input), round);

    /// <summary>
    /// The batch root of round <paramref name="round"/> for a clearing's own root: that root in round 0, else
    /// keccak256(tag ‖ root ‖ round as 4 bytes big-endian).
    /// </summary>
    public static Bytes32 RootOf(Bytes32 clearingRoot, uint round)
    {
        if (round == 0)
        {
            return clearingRoot;
        }

        var preimage = new byte[Tag.Length + 32 + 4];
        Tag.CopyTo(preimage, 0);
        clearingRoot.ToArray().CopyTo(preimage, Tag.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(preimage.AsSpan(Tag.Length + 32), round);
        return Keccak256.Hash(preimage);
    }

    /// <summary>
    /// The proof rule: true when no root of a round can ever reach <paramref name="threshold"/> (M) of
    /// <paramref name="operators"/> (N), given the operators (by index) seen attesting each root of that round. An honest
    /// operator signs one root per round; a false signer (up to f = <see cref="FalseSignersTolerated"/>) may also sign
    /// any other root, so a root R can still gain the unseen operators and up to f of those seen under other roots only.
    /// The round is abandoned when, for every root R, signers(R) + unseen + min(f, |seen \ signers(R)|) &lt; M, and
    /// unseen + f &lt; M for a root not heard of yet. A signer seen under two roots counts for both and once among the seen.
    /// </summary>
    public static bool NoRootCanReachThreshold(IReadOnlyDictionary<Bytes32, IReadOnlySet<int>> signersByRoot, int operators, int threshold)
    {
        ArgumentNullException.ThrowIfNull(signersByRoot);
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(operators, threshold);
        var falseSigners = FalseSignersTolerated(operators, threshold);
        var seen = signersByRoot.Values.SelectMany(s => s).Where(i => i >= 0 && i < operators).ToHashSet();
        var unseen = operators - seen.Count;
        return unseen + falseSigners < threshold && signersByRoot.Values.All(signers =>
        {
            var counted = signers.Count(i => i >= 0 && i < operators);
            return counted + unseen + Math.Min(falseSigners, seen.Count - counted) < threshold;
        });
    }

    /// <summary>
    /// f: how many false signers the threshold is meant to withstand, N - M when M &gt;= floor(2N/3) + 1, else 0 (below
    /// that bound M only keeps crashed operators apart, and a false signer breaks safety whatever the rounds do).
    /// </summary>
    public static int FalseSignersTolerated(int operators, int threshold) =>
        threshold >= (2 * operators / 3) + 1 ? operators - threshold : 0;
}
