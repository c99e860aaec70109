using System.Globalization;
using System.Text.Json;
using DiscreteExec.Relayer.Node.Store;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>
/// One epoch for which the operators' stores hold different settled batch roots: <see cref="Roots"/> in operator order, null
/// where that operator recorded none.
/// </summary>
internal sealed record RootDisagreement(ulong Epoch, IReadOnlyList<string?> Roots)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"epoch {Epoch}: {string.Join(", ", Roots.Select((root, i) => $"{ClusterNodeConfigs.OperatorId(i)} {root ?? "(none)"}"))}");
}

/// <summary>
/// Every operator's settled root per epoch (in operator order) and the epochs on which they differ. It passes when no
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
/// The batch root each operator settled per epoch, read from its own store (its epoch record <c>epoch:{id}</c>, once the
/// record is at <see cref="EpochStage.Released"/> or later: every release of that root applied), and the epochs on
/// which two operators differ. The record holds the root the operator chose and signed, or the one a threshold of the
/// others attested that it followed without signing (a proposer race it lost, or an epoch it came back to late). Two
/// operators that settled different roots for one epoch applied different batches: that must never happen. (Which root
/// each one chose first, <c>epoch:{id}:root</c>, may differ after a race: that is the protocol's, not a fault.)
/// </summary>
internal static class OperatorRoots
{
    /// <summary>Every settled root in the store at <paramref name="connectionString"/>, by epoch.</summary>
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

            // Store:KeyPrefix allows no glob characters, so the prefix stands as it is in the pattern; the pattern also
            // matches the epoch's other keys (epoch:{id}:chunks, epoch:current...), which are skipped.
            await foreach (var key in server.KeysAsync(pattern: prefix + "*").WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                var name = key.ToString();
                if (ulong.TryParse(name[prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch)
                    && keys.Epoch(epoch) == name
                    && JsonSerializer.Deserialize<EpochRecord>((await database.StringGetAsync(key).ConfigureAwait(false)).ToString(), StoreJson.Options) is { Stage: >= EpochStage.Released, BatchRoot: { } root })
                {
                    roots[epoch] = root.ToString();
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
