using System.Globalization;
using DiscreteExec.Relayer.Node.Store;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>
/// One epoch for which the operators' stores hold different batch roots: <see cref="Roots"/> in operator order, null
/// where that operator recorded none.
/// </summary>
internal sealed record RootDisagreement(ulong Epoch, IReadOnlyList<string?> Roots)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"epoch {Epoch}: {string.Join(", ", Roots.Select((root, i) => $"{ClusterNodeConfigs.OperatorId(i)} {root ?? "(none)"}"))}");
}

/// <summary>
/// Every operator's recorded root per epoch (in operator order) and the epochs on which they differ. It passes when no
/// two differ and at least one epoch was recorded by two operators (otherwise it compared nothing).
/// </summary>
internal sealed record OperatorRootComparison(IReadOnlyList<IReadOnlyDictionary<ulong, string>> Roots, IReadOnlyList<RootDisagreement> Disagreements)
{
    /// <summary>Epochs that two or more operators recorded a root for.</summary>
    public int Compared => Roots.SelectMany(r => r.Keys).CountBy(epoch => epoch).Count(epoch => epoch.Value > 1);

    public bool Passed => Disagreements.Count == 0 && Compared > 0;

    public void WriteTo(TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(log);
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  epochs with a root: {string.Join(", ", Roots.Select((roots, i) => $"{ClusterNodeConfigs.OperatorId(i)} {roots.Count}"))}; recorded by two or more operators {Compared}"));
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  disagreements {Disagreements.Count}"));
        foreach (var disagreement in Disagreements)
        {
            log.WriteLine("  DISAGREEMENT " + disagreement);
        }

        if (Compared == 0)
        {
            log.WriteLine("  FAILED: no epoch was recorded by two operators, so nothing was compared");
        }
    }
}

/// <summary>
/// The batch root each operator chose per epoch, read from its own store (<c>epoch:{id}:root</c>: written once with
/// SET NX before any of its signatures leaves the node, never overwritten), and the epochs on which two operators
/// differ. Two operators that chose different roots for one epoch signed different batches for it: with 2-of-3 and
/// crash faults only, that must never happen.
/// </summary>
internal static class OperatorRoots
{
    /// <summary>Every root recorded in the store at <paramref name="connectionString"/>, by epoch.</summary>
    public static async Task<IReadOnlyDictionary<ulong, string>> ReadAsync(string connectionString, string keyPrefix, CancellationToken cancellationToken)
    {
        var keys = new StoreKeys(keyPrefix);
        var connection = await ConnectionMultiplexer.ConnectAsync(connectionString).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var server = connection.GetServer(connection.GetEndPoints()[0]);
            var database = connection.GetDatabase();
            var roots = new SortedDictionary<ulong, string>();
            var prefix = keys.Prefix + "epoch:";

            // Store:KeyPrefix allows no glob characters, so the prefix stands as it is in the pattern; the pattern's
            // star also matches other keys ending in ":root" (an epoch's blob of that name), which are skipped.
            await foreach (var key in server.KeysAsync(pattern: prefix + "*:root").WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var name = key.ToString();
                var id = name[prefix.Length..^":root".Length];
                if (ulong.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var epoch) && keys.EpochRoot(epoch) == name)
                {
                    roots[epoch] = (await database.StringGetAsync(key).ConfigureAwait(false)).ToString();
                }
            }

            return roots;
        }
    }

    /// <summary>
    /// The epochs for which at least two operators recorded a root and those roots are not all the same. An operator
    /// with no root for an epoch (down then, or not there yet) disagrees with no one.
    /// </summary>
    public static OperatorRootComparison Compare(IReadOnlyList<IReadOnlyDictionary<ulong, string>> rootsByOperator)
    {
        ArgumentNullException.ThrowIfNull(rootsByOperator);
        return new OperatorRootComparison(rootsByOperator, [.. rootsByOperator
            .SelectMany(roots => roots.Keys)
            .Distinct()
            .Order()
            .Select(epoch => new RootDisagreement(epoch, [.. rootsByOperator.Select(roots => roots.TryGetValue(epoch, out var root) ? root : null)]))
            .Where(epoch => epoch.Roots.OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase).Count() > 1)]);
    }
}
