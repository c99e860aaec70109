using System.Text.Json;

namespace DiscreteExec.Relayer.Cli;

/// <summary>
/// The pools part of <c>relayer status</c>, from <c>GET /v1/pools</c>: a list of pools, or an object with a
/// <c>pools</c> list, each with the margin engine's fields (chainId, assetId, token, balance, nextEpochCap,
/// utilisationBps, belowFloor). Fields the node does not send show as '-'; a node without the route says so.
/// </summary>
internal static class StatusPools
{
    public static void WriteTo(TextWriter text, JsonElement? pools)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (pools is not { } answer)
        {
            text.WriteLine("  not available (this node has no GET /v1/pools)");
            return;
        }

        var list = answer.ValueKind == JsonValueKind.Array ? answer
            : answer.ValueKind == JsonValueKind.Object && answer.TryGetProperty("pools", out var inner) && inner.ValueKind == JsonValueKind.Array ? inner
            : (JsonElement?)null;
        if (list is not { } items)
        {
            text.WriteLine("  not available (GET /v1/pools answered no list of pools)");
            return;
        }

        var table = new TextTable("CHAIN", "ASSET", "BALANCE", "NEXT CAP", "UTILISATION", "FLOOR");
        foreach (var pool in items.EnumerateArray())
        {
            table.Add(
                Field(pool, "chainId"),
                Field(pool, "assetId"),
                Field(pool, "balance"),
                Field(pool, "nextEpochCap"),
                Field(pool, "utilisationBps") is var bps && bps != "-" ? $"{bps} bps" : bps,
                pool.TryGetProperty("belowFloor", out var below) && below.ValueKind == JsonValueKind.True ? "BELOW" : "ok");
        }

        if (table.RowCount == 0)
        {
            text.WriteLine("  none yet (the margin engine has not run)");
            return;
        }

        table.WriteTo(text, "  ");
    }

    private static string Field(JsonElement pool, string name) =>
        pool.ValueKind == JsonValueKind.Object && pool.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() ?? "-",
                JsonValueKind.Number => value.GetRawText(),
                _ => "-",
            }
            : "-";
}
