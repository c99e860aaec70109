using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>Every key and channel of the node store (README.md next to this file lists them with their types and writers).</summary>
internal sealed class StoreKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public string Intent(Bytes32 intentId) => $"{Prefix}intent:{intentId}";

    public string OpenIntents => $"{Prefix}intents:open";

    public string IntentArrivals => $"{Prefix}intents:arrivals";

    public string IntentsByArrival => $"{Prefix}intents:all";

    public string IntentsByDepositor(Bytes32 account) => $"{Prefix}intents:depositor:{account}";

    public string IntentsByRecipient(Bytes32 account) => $"{Prefix}intents:recipient:{account}";

    public string Epoch(ulong epochId) => $"{Prefix}epoch:{epochId}";

    public string EpochChunks(ulong epochId) => $"{Prefix}epoch:{epochId}:chunks";

    /// <summary>The field of one chunk in <see cref="EpochChunks"/>.</summary>
    public static string ChunkField(ChainId chainId, uint index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{chainId.Value}:{index}");

    public string CurrentEpoch => $"{Prefix}epoch:current";

    public string EpochBlob(ulong epochId, string name) => $"{Prefix}epoch:{epochId}:blob:{name}";

    public string EpochRoot(ulong epochId) => $"{Prefix}epoch:{epochId}:root";

    /// <summary>The root chosen in one round of the epoch; round 0 is <see cref="EpochRoot(ulong)"/>.</summary>
    public string EpochRoot(ulong epochId, uint round) => round == 0 ? EpochRoot(epochId) : $"{Prefix}epoch:{epochId}:round:{round}:root";

    public string EventLog => $"{Prefix}events:log";

    public string EventSequences => $"{Prefix}events:ids";

    public string EventAppendedChannel => $"{Prefix}events:appended";

    public string Proposals(ulong epochId) => $"{Prefix}operators:epoch:{epochId}:proposals";

    public string Attestations(ulong epochId, ChainId chainId, uint chunk) => $"{Prefix}operators:epoch:{epochId}:chain:{chainId.Value}:chunk:{chunk}:attestations";

    public string Lease => $"{Prefix}lease";

    public string LeaseFence => $"{Prefix}lease:fence";
}
