using System.Globalization;
using System.Text.Json;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core;
using DiscreteExec.Relayer.Devnet;

namespace DiscreteExec.Relayer.Cluster;

/// <summary>
/// One settle transaction the Solana escrow executed: the legs it applied (its <c>LegApplied</c> events), the
/// operators whose attestor key signed the transaction itself, and the operator whose fee payer landed it (null: none).
/// </summary>
internal sealed record ClusterSolanaSettle(string Signature, IReadOnlyList<LegAppliedEvent> Legs, IReadOnlyList<int> Signers, int? Submitter)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"tx {Signature[..12]}… {string.Join(", ", Legs.Select(l => $"epoch {l.Epoch} chunk {l.Chunk}"))}: landed by {(Submitter is { } s ? ClusterNodeConfigs.OperatorId(s) : "no operator")}, signed by {string.Join(" + ", Signers.Select(ClusterNodeConfigs.OperatorId))}");
}

/// <summary>
/// Reads, from the Solana dev node alone, every successful transaction of the escrow program that carries its Settle
/// instruction, and which operators signed it. Each node holds only its own attestor key, so a settle signed by two
/// operators' keys was co-signed across two node processes.
/// </summary>
internal static class ClusterSolanaSettles
{
    private const int PageSize = 1000;

    public static async Task<IReadOnlyList<ClusterSolanaSettle>> ReadAsync(SolanaDevChain solana, int operatorCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(solana);
        var signers = Enumerable.Range(0, operatorCount).ToDictionary(ClusterNodeConfigs.SolanaSigner);
        var payers = Enumerable.Range(0, operatorCount).ToDictionary(ClusterNodeConfigs.SolanaPayer);
        var programId = solana.Escrow.ProgramId;
        var settles = new List<ClusterSolanaSettle>();
        foreach (var listed in await SignaturesAsync(solana.Rpc, programId, cancellationToken).ConfigureAwait(false))
        {
            var answer = await solana.Rpc.RequestAsync("getTransaction", [listed.Signature, new Dictionary<string, object>
            {
                ["commitment"] = "confirmed",
                ["encoding"] = "base64",
                ["maxSupportedTransactionVersion"] = 0,
            }], cancellationToken).ConfigureAwait(false);
            if (answer.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var message = Transaction.Deserialize(Convert.FromBase64String(answer.GetProperty("transaction")[0].GetString()!)).Message;
            var keys = message.StaticAccountKeys;
            var settle = message.Instructions.Any(i => keys[i.ProgramIdIndex] == programId && i.Data.Length > 0 && i.Data[0] == (byte)EscrowInstruction.Settle);
            if (!settle)
            {
                continue;
            }

            var logs = answer.GetProperty("meta").GetProperty("logMessages").EnumerateArray().Select(l => l.GetString() ?? string.Empty).ToArray();
            var legs = EscrowEventDecoder.ProgramDataLines(logs, programId).Select(l => EscrowEventDecoder.DecodeBase64(l)).OfType<LegAppliedEvent>().ToArray();
            var signedBy = keys.Take(message.Header.RequiredSignatures).Where(signers.ContainsKey).Select(k => signers[k]).Distinct().Order().ToArray();
            settles.Add(new ClusterSolanaSettle(listed.Signature, legs, signedBy, payers.TryGetValue(keys[0], out var payer) ? payer : null));
        }

        return settles;
    }

    /// <summary>The program's successful transactions, oldest first.</summary>
    private static async Task<IReadOnlyList<SignatureInfo>> SignaturesAsync(ISolanaRpc rpc, Bytes32 programId, CancellationToken cancellationToken)
    {
        var all = new List<SignatureInfo>();
        string? before = null;
        while (true)
        {
            var page = await rpc.GetSignaturesForAddressAsync(programId, new SignaturePage(before, null, PageSize), Commitment.Confirmed, cancellationToken).ConfigureAwait(false);
            all.AddRange(page);
            if (page.Count < PageSize)
            {
                break;
            }

            before = page[^1].Signature;
        }

        all.Reverse();
        return [.. all.Where(s => !s.Failed)];
    }
}
