using System.Globalization;
using System.Text.Json;
using DiscreteExec.Chains.Rpc;

namespace DiscreteExec.Adapters.Solana.Rpc;

/// <summary>
/// A Solana JSON-RPC client over several endpoints of one cluster that believes what a quorum of them says (the EVM
/// adapter's rule): the watcher's and the state's reads (signature lists, transactions with their logs, accounts,
/// balances, signature statuses) are accepted only when a quorum returns the identical content, else the call fails
/// and its caller reads again; the slot and block height are the highest a quorum has reached. Every disagreement is
/// logged with the endpoint and what it said. A transaction is sent to every endpoint; the blockhash, fees, rent and
/// simulations take the first endpoint that answers (a lie there costs a retry or fees, never funds).
/// </summary>
internal sealed class QuorumSolanaRpc(RpcQuorum<ISolanaRpc> quorum) : ISolanaRpc
{
    /// <summary>The endpoints one by one, for a question each must answer whole on its own (the pool at a cursor).</summary>
    public RpcQuorum<ISolanaRpc> Quorum => quorum;

    public Task<LatestBlockhash> GetLatestBlockhashAsync(Commitment commitment, CancellationToken cancellationToken) =>
        quorum.FirstAsync((rpc, ct) => rpc.GetLatestBlockhashAsync(commitment, ct), cancellationToken);

    public Task<ulong> GetBlockHeightAsync(Commitment commitment, CancellationToken cancellationToken) =>
        ReachedAsync("getBlockHeight", (rpc, ct) => rpc.GetBlockHeightAsync(commitment, ct), cancellationToken);

    public Task<ulong> GetSlotAsync(Commitment commitment, CancellationToken cancellationToken) =>
        ReachedAsync("getSlot", (rpc, ct) => rpc.GetSlotAsync(commitment, ct), cancellationToken);

    /// <summary>Sent to every endpoint; the signature of the first that accepted it (the others may have it already).</summary>
    public async Task<string> SendTransactionAsync(byte[] wireTransaction, SendOptions options, CancellationToken cancellationToken)
    {
        var (answers, _) = await quorum.AskAllAsync((rpc, ct) => rpc.SendTransactionAsync(wireTransaction, options, ct), _ => false, cancellationToken).ConfigureAwait(false);
        return answers.FirstOrDefault(a => a.Error is null) is { } sent ? sent.Value : throw answers[0].Error!;
    }

    public Task<IReadOnlyList<SignatureStatus?>> GetSignatureStatusesAsync(IReadOnlyList<string> signatures, CancellationToken cancellationToken) =>
        quorum.AgreeAsync("getSignatureStatuses", (rpc, ct) => rpc.GetSignatureStatusesAsync(signatures, ct), statuses => string.Join(";", statuses.Select(StatusKey)), cancellationToken);

    public Task<IReadOnlyList<SignatureInfo>> GetSignaturesForAddressAsync(Bytes32 address, SignaturePage page, Commitment commitment, CancellationToken cancellationToken) =>
        quorum.AgreeAsync("getSignaturesForAddress", (rpc, ct) => rpc.GetSignaturesForAddressAsync(address, page, commitment, ct), list => string.Join(";", list.Select(s => $"{s.Signature} {s.Slot} {s.Failed}")), cancellationToken);

    public Task<TransactionDetails?> GetTransactionAsync(string signature, Commitment commitment, CancellationToken cancellationToken) =>
        quorum.AgreeAsync("getTransaction", (rpc, ct) => rpc.GetTransactionAsync(signature, commitment, ct), TransactionKey, cancellationToken);

    public Task<AccountInfo?> GetAccountInfoAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) =>
        quorum.AgreeAsync("getAccountInfo", (rpc, ct) => rpc.GetAccountInfoAsync(address, commitment, ct), AccountKey, cancellationToken);

    /// <summary>
    /// The account a quorum agrees on, at the highest slot among the endpoints that agree: a later read tied to that
    /// slot then sees everything the account's state could include (an endpoint that answered the same content at a
    /// lower slot, or a liar's low slot, cannot loosen it). An endpoint reporting a slot nobody reached makes such a
    /// tied read fail instead, so the pool read at a cursor asks each endpoint the whole question instead
    /// (<see cref="Programs.EscrowState.PoolBalanceAtAsync"/>).
    /// </summary>
    public Task<AccountAtSlot> GetAccountInfoAtSlotAsync(Bytes32 address, Commitment commitment, ulong? minContextSlot, CancellationToken cancellationToken) =>
        quorum.AgreeAsync(
            "getAccountInfo",
            (rpc, ct) => rpc.GetAccountInfoAtSlotAsync(address, commitment, minContextSlot, ct),
            read => AccountKey(read.Account),
            cancellationToken,
            agreeing => agreeing.MaxBy(read => read.ContextSlot)!);

    public Task<IReadOnlyList<AccountInfo?>> GetMultipleAccountsAsync(IReadOnlyList<Bytes32> addresses, Commitment commitment, CancellationToken cancellationToken) =>
        quorum.AgreeAsync("getMultipleAccounts", (rpc, ct) => rpc.GetMultipleAccountsAsync(addresses, commitment, ct), accounts => string.Join(";", accounts.Select(AccountKey)), cancellationToken);

    public Task<ulong> GetBalanceAsync(Bytes32 address, Commitment commitment, CancellationToken cancellationToken) =>
        quorum.AgreeAsync("getBalance", (rpc, ct) => rpc.GetBalanceAsync(address, commitment, ct), lamports => lamports.ToString(CultureInfo.InvariantCulture), cancellationToken);

    public Task<ulong> GetMinimumBalanceForRentExemptionAsync(ulong dataLength, CancellationToken cancellationToken) =>
        quorum.FirstAsync((rpc, ct) => rpc.GetMinimumBalanceForRentExemptionAsync(dataLength, ct), cancellationToken);

    public Task<SimulationResult> SimulateTransactionAsync(byte[] wireTransaction, Commitment commitment, CancellationToken cancellationToken) =>
        quorum.FirstAsync((rpc, ct) => rpc.SimulateTransactionAsync(wireTransaction, commitment, ct), cancellationToken);

    public Task<IReadOnlyList<PrioritizationFee>> GetRecentPrioritizationFeesAsync(IReadOnlyList<Bytes32> writableAccounts, CancellationToken cancellationToken) =>
        quorum.FirstAsync((rpc, ct) => rpc.GetRecentPrioritizationFeesAsync(writableAccounts, ct), cancellationToken);

    public Task<JsonElement> RequestAsync(string method, IReadOnlyList<object?> parameters, CancellationToken cancellationToken) =>
        quorum.FirstAsync((rpc, ct) => rpc.RequestAsync(method, parameters, ct), cancellationToken);

    /// <summary>The highest value at least a quorum of endpoints has reached (slots differ honestly, so no disagreement is logged).</summary>
    private async Task<ulong> ReachedAsync(string method, Func<ISolanaRpc, CancellationToken, Task<ulong>> call, CancellationToken cancellationToken)
    {
        var (answers, _) = await quorum.AskAllAsync(call, done => done.Count(a => a.Error is null) >= quorum.Quorum, cancellationToken).ConfigureAwait(false);
        var reached = answers.Where(a => a.Error is null).Select(a => a.Value).OrderDescending().ToArray();
        return reached.Length >= quorum.Quorum ? reached[quorum.Quorum - 1] : throw quorum.NoQuorum(method, answers, "too few endpoints answered");
    }

    // A status's confirmation level moves on while the endpoints answer, so only where and how it landed is compared.
    private static string StatusKey(SignatureStatus? status) => status is null ? "null" : $"{status.Slot} {status.Error?.Json}";

    // The contents are compared too: a reader decides from the instructions whether a transaction moved a pool.
    private static string TransactionKey(TransactionDetails? transaction) =>
        transaction is null ? "null" : $"{transaction.Signature} {transaction.Slot} {transaction.Error?.Json} [{string.Join("\n", transaction.LogMessages)}] {ContentsKey(transaction.Contents)}";

    private static string ContentsKey(TransactionContents? contents) =>
        contents is null
            ? "no contents"
            : $"{Convert.ToHexString(contents.Message.Serialize())} [{string.Join(",", contents.AccountKeys)}] {InnerKey(contents.InnerInstructions)}";

    private static string InnerKey(IReadOnlyDictionary<int, IReadOnlyList<Codec.CompiledInstruction>>? inner) =>
        inner is null
            ? "no inner instructions"
            : string.Join(";", inner.OrderBy(g => g.Key).Select(g => $"{g.Key}:{string.Join(",", g.Value.Select(i => $"{i.ProgramIdIndex}/{Convert.ToHexString(i.AccountIndexes)}/{Convert.ToHexString(i.Data)}"))}"));

    private static string AccountKey(AccountInfo? account) =>
        account is null ? "null" : $"{account.Lamports} {account.Owner} {account.Executable} {Convert.ToHexString(account.Data)}";
}
