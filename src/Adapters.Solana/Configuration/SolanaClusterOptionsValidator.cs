using System.ComponentModel.DataAnnotations;
using DiscreteExec.Adapters.Solana.Codec;
using DiscreteExec.Adapters.Solana.Rpc;
using DiscreteExec.Core.Chains;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Adapters.Solana.Configuration;

/// <summary>Validates <see cref="SolanaClusterOptions"/>; every message names the configuration key it is about.</summary>
public sealed class SolanaClusterOptionsValidator : IValidateOptions<SolanaClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, SolanaClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Errors(name, options).ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Validates and throws <see cref="OptionsValidationException"/> listing every problem.</summary>
    public static SolanaClusterOptions ThrowIfInvalid(string clusterName, SolanaClusterOptions options)
    {
        var result = new SolanaClusterOptionsValidator().Validate(clusterName, options);
        return result.Failed
            ? throw new OptionsValidationException(clusterName, typeof(SolanaClusterOptions), result.Failures)
            : options;
    }

    private static IEnumerable<string> Errors(string? name, SolanaClusterOptions options)
    {
        var prefix = $"{SolanaClusterOptions.SectionPrefix}:{(string.IsNullOrEmpty(name) ? "<default>" : name)}";
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty("?"))
            {
                yield return $"{prefix}:{member}: {result.ErrorMessage}";
            }
        }

        foreach (var error in options.SharedErrors(prefix, ChainKind.Solana))
        {
            yield return error;
        }

        if (!string.IsNullOrEmpty(options.ProgramId) && !Base58.TryDecodeKey(options.ProgramId, out _))
        {
            yield return $"{prefix}:ProgramId: '{options.ProgramId}' is not a base58 32-byte public key.";
        }

        if (options.UsesLookupTable && !string.Equals(options.LookupTable, SolanaClusterOptions.AutoLookupTable, StringComparison.OrdinalIgnoreCase) && !Base58.TryDecodeKey(options.LookupTable!, out _))
        {
            yield return $"{prefix}:LookupTable: '{options.LookupTable}' is neither empty, '{SolanaClusterOptions.AutoLookupTable}' nor a base58 32-byte address.";
        }

        if (options.MaxComputeUnitPrice != 0 && options.MaxComputeUnitPrice < options.ComputeUnitPrice)
        {
            yield return $"{prefix}:MaxComputeUnitPrice: {options.MaxComputeUnitPrice} is below ComputeUnitPrice {options.ComputeUnitPrice}.";
        }

        if (!Enum.IsDefined(options.Commitment) || options.Commitment == Commitment.Processed)
        {
            yield return $"{prefix}:Commitment: must be Confirmed or Finalized, not '{options.Commitment}' (processed blocks can be rolled back).";
        }
    }
}
