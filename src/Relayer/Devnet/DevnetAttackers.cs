using System.Globalization;
using DiscreteExec.Adapters.Evm.Crypto;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Programs;
using DiscreteExec.Core;

namespace DiscreteExec.Relayer.Devnet;

/// <summary>What the attackers got: each one's refundExpired refusal and the claim their poisoned refund became.</summary>
internal sealed record AttackOutcome(string EvmRefundExpiredRefusal, UInt256 EvmClaim, string SolanaRefundExpiredRefusal, ulong SolanaClaim);

/// <summary>
/// The poisoned-chunk double spend of protocol v1, played on both chains: each attacker opens a good intent and, in
/// the same epoch, one the clearing refunds; before settlement they make that refund undeliverable (EVM: the token
/// blocklists the depositor, like USDC's blacklist; Solana: the depositor hands its token account to another
/// owner). Under v2 the refund becomes the attacker's claim instead of blocking anything, the good intent is released
/// before it is paid, and after deadline plus grace its refundExpired is refused.
/// </summary>
internal sealed record Attackers(
    EvmKey Mallory, DevnetIntent EvmGood, DevnetIntent EvmPoisoned, SolanaKeypair Oscar, DevnetIntent SolanaGood, DevnetIntent SolanaPoisoned, ulong Deadline)
{
    public async Task PoisonAsync(LocalDevnet devnet, TextWriter log, CancellationToken cancellationToken)
    {
        await devnet.Evm.SetBlockedAsync(Mallory.Address, blocked: true, cancellationToken).ConfigureAwait(false);
        await devnet.Solana.MakeUndeliverableAsync(Oscar, cancellationToken).ConfigureAwait(false);
        DevnetLog.Line(log, "poisoning: the token blocklists mallory (EVM); oscar hands his token account to another owner (Solana)");
    }

    /// <summary>After settlement: both chains' clocks past deadline plus grace, then each attacker tries refundExpired of the paid intent.</summary>
    public async Task<AttackOutcome> TryDoubleSpendAsync(LocalDevnet devnet, TextWriter log, TimeProvider time, CancellationToken cancellationToken)
    {
        var evmClaim = await devnet.Evm.ClaimableAsync(Mallory.Address, cancellationToken).ConfigureAwait(false);
        var solanaClaim = await devnet.Solana.ClaimAsync(Oscar.PublicKey, cancellationToken).ConfigureAwait(false);
        if (evmClaim != EvmPoisoned.InputAmount || solanaClaim != SolanaPoisoned.InputAmount.AsUInt64)
        {
            throw new DevnetException(string.Create(CultureInfo.InvariantCulture,
                $"The poisoned refunds should be claims of exactly their deposits: mallory {evmClaim} (expected {EvmPoisoned.InputAmount}), oscar {solanaClaim} (expected {SolanaPoisoned.InputAmount})."));
        }

        // Mallory stays blocklisted: the refusal names the intent's status (IntentNotOpen), which the escrow checks
        // before any transfer, so it is the Release, not the blocklist, that stops the double spend.
        var pastWindow = Deadline + Math.Max(EvmDevChain.GraceSeconds, SolanaDevChain.GraceSeconds) + 60;
        var evmNow = (ulong)time.GetUtcNow().ToUnixTimeSeconds();
        await devnet.Evm.AdvanceTimeAsync(TimeSpan.FromSeconds(pastWindow - Math.Min(pastWindow, evmNow)), cancellationToken).ConfigureAwait(false);
        await devnet.Solana.WarpClockAsync((long)pastWindow, cancellationToken).ConfigureAwait(false);

        var evmRefusal = await devnet.Evm.TryRefundExpiredAsync(Mallory, EvmGood.IntentId, cancellationToken).ConfigureAwait(false);
        var solanaRefusal = await devnet.Solana.TryRefundExpiredAsync(Oscar, SolanaGood.IntentId, cancellationToken).ConfigureAwait(false);
        if (evmRefusal is null || solanaRefusal is null)
        {
            throw new DevnetException($"An attacker's refundExpired of a paid intent would apply (EVM: {evmRefusal ?? "applies"}, Solana: {solanaRefusal ?? "applies"}): paid and refunded.");
        }

        DevnetLog.Line(log, string.Create(CultureInfo.InvariantCulture,
            $"attack: past deadline + grace, mallory's refundExpired is refused ({evmRefusal}) and oscar's too ({solanaRefusal}); their poisoned refunds are claims of {DevnetLog.Usdc(evmClaim)} and {DevnetLog.Usdc(solanaClaim)} USDC"));
        return new AttackOutcome(evmRefusal, evmClaim, solanaRefusal, solanaClaim);
    }
}
