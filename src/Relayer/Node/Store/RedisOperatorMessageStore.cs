using System.Globalization;
using System.Text.Json;
using DiscreteExec.Core;
using DiscreteExec.Core.Messages;
using DiscreteExec.Relayer.Node.Operators;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// The other operators' messages as hashes of JSON: <c>operators:epoch:{id}:proposals</c> (field: proposer index,
/// manifest hash and content fingerprint, <c>{index}:{hash}:{fingerprint}</c>) and <c>operators:epoch:{id}:chain:{chain}:chunk:{n}:attestations</c> (field:
/// signer, lower case, and digest, <c>{signer}:{digest}</c>); HSETNX keeps the first of each field, so a forged
/// manifest (even one stating the real one's hash) or attestation of another digest never takes the real one's place.
/// Not fenced: any replica of the operator may store what it heard, and every value is checked again when used.
/// </summary>
internal sealed class RedisOperatorMessageStore(NodeStoreConnection connection) : IOperatorMessageStore
{
    private readonly StoreKeys _keys = connection.Keys;

    public async Task SaveProposalAsync(EpochProposed proposal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await database.HashSetAsync(
            _keys.Proposals(proposal.EpochId), ProposalField(proposal),
            JsonSerializer.Serialize(proposal, StoreJson.Options), StackExchange.Redis.When.NotExists).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<EpochProposed>> ProposalsAsync(ulong epochId, CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entries = await database.HashGetAllAsync(_keys.Proposals(epochId)).ConfigureAwait(false);
        return [.. entries.Select(e => Read<EpochProposed>(e.Value.ToString())).OrderBy(p => p.ProposerIndex).ThenBy(p => p.ManifestHash.ToString(), StringComparer.Ordinal)];
    }

    public async Task SaveAttestationAsync(LegAttested attestation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attestation);
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        await database.HashSetAsync(
            _keys.Attestations(attestation.EpochId, attestation.ChainId, attestation.Chunk), AttestationField(attestation),
            JsonSerializer.Serialize(attestation, StoreJson.Options), StackExchange.Redis.When.NotExists).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<LegAttested>> AttestationsAsync(ulong epochId, ChainId chainId, uint chunk, CancellationToken cancellationToken)
    {
        var database = await connection.DatabaseAsync(cancellationToken).ConfigureAwait(false);
        var entries = await database.HashGetAllAsync(_keys.Attestations(epochId, chainId, chunk)).ConfigureAwait(false);
        return [.. entries.Select(e => Read<LegAttested>(e.Value.ToString()))];
    }

    internal static string ProposalField(EpochProposed proposal) =>
        string.Create(CultureInfo.InvariantCulture, $"{proposal.ProposerIndex}:{proposal.ManifestHash}:{OperatorMessageIntake.Fingerprint(proposal)}");

    internal static string AttestationField(LegAttested attestation) =>
        $"{attestation.Signer.ToLowerInvariant()}:{attestation.Digest}";

    private static T Read<T>(string json) =>
        JsonSerializer.Deserialize<T>(json, StoreJson.Options) ?? throw new InvalidDataException($"The store holds a null {typeof(T).Name}.");
}
