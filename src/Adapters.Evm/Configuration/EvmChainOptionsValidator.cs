using System.ComponentModel.DataAnnotations;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Adapters.Evm.Configuration;

/// <summary>
/// Range/required checks from the attributes plus the cross-field rules; each failure starts with the full key
/// (e.g. <c>Chains:Evm:Local:EscrowAddress</c>) so an operator knows what to fix.
/// </summary>
public sealed class EvmChainOptionsValidator : IValidateOptions<EvmChainOptions>
{
    private readonly string _sectionName;

    public EvmChainOptionsValidator(string sectionName = "Evm")
    {
        _sectionName = sectionName;
    }

    public ValidateOptionsResult Validate(string? name, EvmChainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty("?"))
            {
                failures.Add($"{Key(member)}: {result.ErrorMessage}");
            }
        }

        failures.AddRange(options.SharedErrors(_sectionName, ChainKind.Evm));

        if (!string.IsNullOrEmpty(options.EscrowAddress))
        {
            if (!EvmAddress.TryParse(options.EscrowAddress, out var escrow))
            {
                failures.Add($"{Key(nameof(options.EscrowAddress))}: '{options.EscrowAddress}' is not a 0x-prefixed 20-byte address with a valid EIP-55 checksum.");
            }
            else if (escrow.IsZero)
            {
                failures.Add($"{Key(nameof(options.EscrowAddress))}: the zero address is not an escrow.");
            }
        }

        if (options.ReconcileInterval < options.PollInterval)
        {
            failures.Add($"{Key(nameof(options.ReconcileInterval))}: {options.ReconcileInterval} is shorter than {nameof(options.PollInterval)} ({options.PollInterval}); the watcher reconciles at most once per poll.");
        }

        if (options.MaxPriorityFeePerGasWei > options.MaxFeePerGasWei)
        {
            failures.Add($"{Key(nameof(options.MaxPriorityFeePerGasWei))}: {options.MaxPriorityFeePerGasWei} exceeds {nameof(options.MaxFeePerGasWei)} ({options.MaxFeePerGasWei}).");
        }

        if (options.SettleBaseGas + Math.Max(options.GasPerAction, options.GasPerRelease) > options.MaxGasPerChunk)
        {
            failures.Add($"{Key(nameof(options.MaxGasPerChunk))}: {options.MaxGasPerChunk} cannot fit one action ({nameof(options.SettleBaseGas)} {options.SettleBaseGas} + {nameof(options.GasPerAction)} {options.GasPerAction} or {nameof(options.GasPerRelease)} {options.GasPerRelease}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private string Key(string member) => string.IsNullOrEmpty(_sectionName) ? member : $"{_sectionName}:{member}";
}
