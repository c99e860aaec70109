using System.Buffers;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using DiscreteExec.Core;
using DiscreteExec.Core.Hashing;
using DiscreteExec.Core.Messages;
using DiscreteExec.Core.Settlement;

namespace DiscreteExec.Samples.EventFollower;

/// <summary>The outcome of checking one <see cref="IntentSettled"/>: verified against the chain, or why not.</summary>
public sealed record SettlementCheck(IntentSettled Settled, bool Verified, string Detail)
{
    /// <summary>The line the follower prints.</summary>
    public override string ToString() => $"{Settled.IntentId}  epoch {Settled.EpochId}  {(Verified ? "verified" : "MISMATCH")}: {Detail}";
}

/// <summary>
/// Checks a settlement without trusting the node: fetches <c>GET /v1/intents/{id}/proof</c>, recomputes each action's
/// leaf from its fields, folds it with the leaf-to-leg path and the leg-to-root path (keccak256 of the smaller hash
/// first), and compares the root with the one the escrow emitted in <c>LegApplied</c> for that epoch and chunk, read
/// from the transaction that applied it on its chain. The payout must be the event's amount to its recipient.
/// </summary>
public sealed class SettlementVerifier(HttpClient node, Uri nodeUrl, ILegAppliedReader? evm, ILegAppliedReader? solana)
{
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdefABCDEF");

    private static readonly JsonSerializerOptions ProofJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    // Several intents settle in one chunk: read each settlement transaction from its chain once.
    private readonly Dictionary<string, IReadOnlyList<ChainLegApplied>> _transactions = new(StringComparer.Ordinal);

    public async Task<SettlementCheck> CheckAsync(IntentSettled settled, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settled);
        using var response = await node.GetAsync(new Uri(nodeUrl, $"v1/intents/{settled.IntentId}/proof"), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return Mismatch(settled, $"the node answers {(int)response.StatusCode} for its proof");
        }

        Proof? proof;
        try
        {
            proof = await response.Content.ReadFromJsonAsync<Proof>(ProofJson, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException malformed)
        {
            return Mismatch(settled, $"the proof is not readable ({malformed.Message})");
        }

        if (proof?.Actions is not { Count: > 0 } actions || proof.IntentId != settled.IntentId || proof.EpochId != settled.EpochId)
        {
            return Mismatch(settled, "the proof is for another intent or epoch, or has no actions");
        }

        if (!actions.Any(a => a.Kind == ActionKind.Payout && a.ChainId == settled.DestinationChainId && a.Account == settled.Recipient && a.Amount == settled.Amount))
        {
            return Mismatch(settled, $"no payout of {settled.Amount} to {settled.Recipient} on chain {settled.DestinationChainId} in the proof");
        }

        var chunks = new List<string>();
        foreach (var action in actions)
        {
            var problem = await CheckActionAsync(settled, action, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return Mismatch(settled, $"{action.Kind} on chain {action.ChainId}: {problem}");
            }

            chunks.Add($"{action.Kind} chunk {action.ChunkIndex} on chain {action.ChainId}");
        }

        return new SettlementCheck(settled, true, $"root {proof.BatchRoot} emitted on chain for {string.Join(", ", chunks)}");
    }

    private async Task<string?> CheckActionAsync(IntentSettled settled, ProofAction action, CancellationToken cancellationToken)
    {
        var leaf = SettlementLeaf.Hash(action.ChainId, settled.EpochId, new SettlementAction(action.Kind, settled.IntentId, action.Token, action.Account, action.Amount));
        if (leaf != action.Leaf)
        {
            return $"the leaf is not the hash of the action's fields ({leaf} computed, {action.Leaf} in the proof)";
        }

        var legHash = MerkleTree.RootFromProof(leaf, action.LeafToLegHash ?? []);
        if (legHash != action.LegHash)
        {
            return $"the leaf's path folds to {legHash}, not the leg hash {action.LegHash}";
        }

        var root = MerkleTree.RootFromProof(legHash, action.LegHashToBatchRoot ?? []);
        if (action.ChunkIndex is not { } chunk || string.IsNullOrEmpty(action.TransactionId))
        {
            return "no chunk or transaction applied it";
        }

        var reader = IsEvmHash(action.TransactionId) ? evm : solana;
        if (reader is null)
        {
            return $"no RPC given for the chain of transaction {action.TransactionId}";
        }

        if (!_transactions.TryGetValue(action.TransactionId, out var applied))
        {
            applied = await reader.ReadAsync(action.TransactionId, cancellationToken).ConfigureAwait(false);
            _transactions[action.TransactionId] = applied;
        }

        var emitted = applied.FirstOrDefault(a => a.EpochId == settled.EpochId && a.Chunk == chunk);
        if (emitted is null)
        {
            return $"transaction {action.TransactionId} emitted no LegApplied for epoch {settled.EpochId} chunk {chunk} (it emitted {(applied.Count == 0 ? "none" : string.Join(", ", applied.Select(a => $"epoch {a.EpochId} chunk {a.Chunk}")))})";
        }

        return emitted.BatchRoot == root ? null : $"the proof folds to root {root}, the escrow emitted {emitted.BatchRoot} (transaction {action.TransactionId})";
    }

    /// <summary>An EVM transaction hash is <c>0x</c> + 64 hex digits; a Solana signature is base58.</summary>
    private static bool IsEvmHash(string transactionId) =>
        transactionId.Length == 66 && transactionId.StartsWith("0x", StringComparison.Ordinal) && !transactionId.AsSpan(2).ContainsAnyExcept(HexDigits);

    private static SettlementCheck Mismatch(IntentSettled settled, string detail) => new(settled, false, detail);

    // The parts of the proof route's answer this check reads (docs: src/Relayer/Node/Api/README.md).
    private sealed record Proof(Bytes32 IntentId, ulong EpochId, Bytes32 BatchRoot, IReadOnlyList<ProofAction>? Actions);

    private sealed record ProofAction(
        ChainId ChainId,
        ActionKind Kind,
        Bytes32 Token,
        Bytes32 Account,
        UInt256 Amount,
        Bytes32 Leaf,
        IReadOnlyList<Bytes32>? LeafToLegHash,
        Bytes32 LegHash,
        IReadOnlyList<Bytes32>? LegHashToBatchRoot,
        uint? ChunkIndex,
        string? TransactionId);
}
