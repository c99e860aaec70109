using System.ComponentModel.DataAnnotations;
using DiscreteExec.Core.Chains;

namespace DiscreteExec.Adapters.Evm.Configuration;

/// <summary>
/// One EVM chain: where its node is, which escrow to follow, how deep to wait, and the gas and fee limits of the
/// submitter. Bound from configuration (e.g. section <c>Chains:Evm:Sepolia</c>) and validated at start-up by
/// <see cref="EvmChainOptionsValidator"/>, whose messages name the bad key.
/// </summary>
public sealed class EvmChainOptions : ChainOptions
{
    /// <summary>Kind <see cref="ChainKind.Evm"/>, polling every 4 seconds unless configured; the node behind <c>Rpc:Url</c> must report <c>ChainId</c>.</summary>
    public EvmChainOptions()
        : base(ChainKind.Evm, TimeSpan.FromSeconds(4))
    {
    }

    /// <summary>The IntentEscrow contract address (0x + 40 hex digits; EIP-55 checksum checked when mixed case).</summary>
    [Required]
    public string EscrowAddress { get; set; } = string.Empty;

    /// <summary>The escrow's deployment block: where a watcher without a checkpoint starts.</summary>
    [Range(0, long.MaxValue)]
    public long StartBlock { get; set; }

    /// <summary>Blocks a log must be buried under before it is reported (and a settlement before it is confirmed).</summary>
    [Range(0, 10_000)]
    public int ConfirmationDepth { get; set; } = 12;

    /// <summary>
    /// How often a caught-up watcher re-checks the escrow's deposit counter when no new block arrived (it checks after
    /// every scanned range and at start-up anyway), so a gap left by a refused recovery is closed before an epoch closes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The largest eth_getLogs block range asked; halved while a node refuses it.</summary>
    [Range(1, 1_000_000)]
    public int MaxBlockRange { get; set; } = 2_000;

    /// <summary>How many recent processed blocks keep their hash for reorg detection.</summary>
    [Range(1, 100_000)]
    public int ReorgWindow { get; set; } = 512;

    /// <summary>Gas a settle transaction may use at most; with the per-action figures it fixes <see cref="ChunkLimits"/>.</summary>
    [Range(50_000, 60_000_000)]
    public long MaxGasPerChunk { get; set; } = 5_000_000;

    /// <summary>Fixed gas of a settle call (intrinsic cost, signature checks, bookkeeping), for chunk planning.</summary>
    [Range(21_000, 10_000_000)]
    public long SettleBaseGas { get; set; } = 120_000;

    /// <summary>
    /// Planned gas per transfer action (Refund, Payout, Withdraw). Measured: ~52k per Payout to a fresh recipient on
    /// anvil with a plain ERC-20 (contracts/evm gas report), ~56k with the blocklisting TestToken (GasAndFeesIntegrationTests,
    /// which fails when receipts exceed this figure), ~59k of execution for one that becomes a claim (contracts/evm
    /// test/GasBudget.t.sol, which keeps the contract within this figure); 70k leaves a margin for calldata.
    /// </summary>
    [Range(1_000, 10_000_000)]
    public long GasPerAction { get; set; } = 70_000;

    /// <summary>Planned gas per Release. Measured on anvil: ~9.8k per Release at 100 per chunk, ~15k at 10; 15k leaves a margin.</summary>
    [Range(1_000, 10_000_000)]
    public long GasPerRelease { get; set; } = 15_000;

    /// <summary>Fee cap in wei per gas: the submitter never offers more, bumps included.</summary>
    [Range(1, long.MaxValue)]
    public long MaxFeePerGasWei { get; set; } = 200_000_000_000;

    /// <summary>Tip cap in wei per gas.</summary>
    [Range(0, long.MaxValue)]
    public long MaxPriorityFeePerGasWei { get; set; } = 5_000_000_000;

    /// <summary>Blocks of eth_feeHistory the fees are read from (base fee trend and tips).</summary>
    [Range(1, 1_024)]
    public int FeeHistoryBlocks { get; set; } = 10;

    /// <summary>
    /// The tip offered: this percentile (0-100) of the tips paid in each recent block that used gas (eth_feeHistory
    /// rewardPercentiles), the median over those blocks, at most <see cref="MaxPriorityFeePerGasWei"/>.
    /// </summary>
    [Range(0, 100)]
    public int TipPercentile { get; set; } = 50;

    /// <summary>
    /// Headroom over the projected base fee in the max fee, in percent: maxFeePerGas = projected × (100 + this) / 100
    /// + tip (100: twice the base fee, which survives six full blocks in a row).
    /// </summary>
    [Range(0, 1_000)]
    public int BaseFeeHeadroomPercent { get; set; } = 100;

    /// <summary>Gas limit of a settle transaction: eth_estimateGas plus this percentage, at most <see cref="MaxGasPerChunk"/>.</summary>
    [Range(0, 200)]
    public int GasLimitMarginPercent { get; set; } = 25;

    /// <summary>
    /// Checked at start-up: <see cref="MaxGasPerChunk"/> may be at most this percentage of the chain's block gas limit, so
    /// a chunk at the limit still fits a block well beside other traffic.
    /// </summary>
    [Range(1, 100)]
    public int MaxBlockGasSharePercent { get; set; } = 50;

    /// <summary>A settle transaction not mined after this many blocks is resubmitted at the same nonce with higher fees.</summary>
    [Range(1, 1_000)]
    public int ResubmitAfterBlocks { get; set; } = 3;

    /// <summary>Fee increase per resubmission, in percent (nodes require at least 10).</summary>
    [Range(10, 500)]
    public int FeeBumpPercent { get; set; } = 20;

    /// <summary>How long the submitter waits for one chunk to reach the confirmation depth before failing it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ConfirmationTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The escrow address, parsed (valid after validation).</summary>
    public EvmAddress Escrow => EvmAddress.Parse(EscrowAddress);

    /// <summary>
    /// Actions per chunk that fit <see cref="MaxGasPerChunk"/>: (MaxGasPerChunk - SettleBaseGas) / GasPerRelease Releases,
    /// or / GasPerAction transfers (defaults: 325 and 69). Every node of a deployment must use the same figures.
    /// </summary>
    public DiscreteExec.Core.Settlement.ChunkLimits ChunkLimits => new(
        (int)Math.Min((MaxGasPerChunk - SettleBaseGas) / GasPerRelease, int.MaxValue),
        (int)Math.Min((MaxGasPerChunk - SettleBaseGas) / GasPerAction, int.MaxValue));

    /// <summary>Validates and throws <see cref="Microsoft.Extensions.Options.OptionsValidationException"/> naming every bad key (for use without DI).</summary>
    public void Validate(string sectionName = "Evm")
    {
        var result = new EvmChainOptionsValidator(sectionName).Validate(null, this);
        if (result.Failed)
        {
            throw new Microsoft.Extensions.Options.OptionsValidationException(sectionName, typeof(EvmChainOptions), result.Failures);
        }
    }
}
