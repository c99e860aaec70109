using System.Text.Json;

namespace DiscreteExec.Adapters.Solana.Rpc;

/// <summary>The Solana JSON-RPC methods the adapter uses. Every call retries transient faults; errors are typed.</summary>
public interface ISolanaRpc
{
    Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken);

    Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken);

    Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken);

    /// <summary>Sends signed wire bytes; returns the signature. Preflight failures throw <see cref="SolanaTransactionException"/>.</summary>
    Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken);

    Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken);

    /// <summary>Newest first; <c>before</c>/<c>until</c> are exclusive bounds.</summary>
    Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken);

    /// <summary>Null when the node does not have the transaction at <paramref name="commitment"/> (yet).</summary>
    Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken);

    Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken);

    /// <summary>
    /// The account with the slot the node read it at; with <paramref name="minContextSlot"/> a node below that slot
    /// refuses to answer (-32016, transient). What ties a later read to this one on a load-balanced endpoint.
    /// </summary>
    Task<AccountAtSlot> GetAccountInfoAtSlotAsync(Bytes32 address, Commitment commitment, ulong? minContextSlot, CancellationToken cancellationToken);

    Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken);

    Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken);

    Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken);

    /// <summary>
    /// Simulates wire bytes without checking signatures (<c>sigVerify: false</c>) over the node's latest blockhash
    /// (<c>replaceRecentBlockhash: true</c>): the signature slots may be empty.
    /// </summary>
    Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken);

    /// <summary>Per recent slot, the lowest compute-unit price (micro-lamports) paid by transactions writing any of <paramref name="writableAccounts"/> (all transactions when empty).</summary>
    Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken);

    /// <summary>Any method, for what has no typed wrapper (e.g. a dev cluster's requestAirdrop); returns its <c>result</c>.</summary>
    Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken);
}
