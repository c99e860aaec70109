using System.Globalization;
using DiscreteExec.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// Parses route and query parameters with an RFC 9457 problem naming the parameter and what is wrong with it
/// (framework binding would answer a bare 400, or a 404 for a route constraint).
/// </summary>
internal static class ApiParameters
{
    public static ProblemHttpResult BadParameter(string parameter, string detail) => TypedResults.Problem(
        title: $"Invalid parameter '{parameter}'",
        detail: $"{parameter}: {detail}",
        statusCode: StatusCodes.Status400BadRequest,
        extensions: new Dictionary<string, object?> { ["parameter"] = parameter });

    public static ProblemHttpResult NotFound(string detail) => TypedResults.Problem(
        title: "Not found", detail: detail, statusCode: StatusCodes.Status404NotFound);

    /// <summary>An intent id: <c>0x</c> and 64 hex digits.</summary>
    public static bool TryIntentId(string text, out Bytes32 intentId, out ProblemHttpResult? problem)
    {
        intentId = default;
        problem = null;
        if (Bytes32.TryParse(text, out intentId))
        {
            return true;
        }

        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : null;
        problem = BadParameter("intentId", digits switch
        {
            null => $"'{text}' does not start with 0x (an intent id is 0x and 64 hex digits).",
            _ when digits.Length != 64 => $"{digits.Length} hex digits after 0x; an intent id has 64 (32 bytes).",
            _ => $"'{text}' has a character that is not a hex digit.",
        });
        return false;
    }

    /// <summary>An epoch id: a positive decimal integer.</summary>
    public static bool TryEpochId(string parameter, string text, out ulong epochId, out ProblemHttpResult? problem)
    {
        problem = null;
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out epochId) && epochId > 0)
        {
            return true;
        }

        problem = BadParameter(parameter, $"'{text}' is not an epoch id (a positive decimal integer).");
        return false;
    }

    /// <summary>A page size: absent for the default, else 1..max.</summary>
    public static bool TryLimit(string? text, int defaultLimit, int max, out int limit, out ProblemHttpResult? problem)
    {
        problem = null;
        limit = defaultLimit;
        if (text is null)
        {
            return true;
        }

        if (int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out limit) && limit >= 1 && limit <= max)
        {
            return true;
        }

        problem = BadParameter("limit", $"'{text}' is not a page size between 1 and {max}.");
        return false;
    }

    /// <summary>An optional account: 0x and 64 hex digits (32 bytes), or an EVM address (0x and 40), left-padded.</summary>
    public static bool TryOptionalAccount(string parameter, string? text, out Bytes32? account, out ProblemHttpResult? problem)
    {
        problem = null;
        account = null;
        if (text is null)
        {
            return true;
        }

        if (Bytes32.TryParse(text, out var full))
        {
            account = full;
            return true;
        }

        if (text.Length == 42 && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && Bytes32.TryParse("0x" + new string('0', 24) + text[2..], out var padded))
        {
            account = padded;
            return true;
        }

        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : null;
        problem = BadParameter(parameter, digits switch
        {
            null => $"'{text}' does not start with 0x (an account is 0x and 64 hex digits, or an EVM address of 40).",
            _ when digits.Length is not (40 or 64) => $"{digits.Length} hex digits after 0x; an account has 64 (32 bytes) or, as an EVM address, 40.",
            _ => $"'{text}' has a character that is not a hex digit.",
        });
        return false;
    }

    /// <summary>A required chain id: a positive decimal integer.</summary>
    public static bool TryChainId(string parameter, string? text, out ChainId chainId, out ProblemHttpResult? problem)
    {
        problem = null;
        chainId = default;
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0)
        {
            chainId = new ChainId(value);
            return true;
        }

        problem = BadParameter(parameter, text is null ? "required (a chain id, a positive decimal integer)." : $"'{text}' is not a chain id (a positive decimal integer).");
        return false;
    }

    /// <summary>A required amount: a decimal integer in the uint256 range.</summary>
    public static bool TryAmount(string parameter, string? text, out UInt256 amount, out ProblemHttpResult? problem)
    {
        problem = null;
        if (UInt256.TryParse(text, out amount))
        {
            return true;
        }

        problem = BadParameter(parameter, text is null ? "required (a decimal integer in native units)." : $"'{text}' is not a decimal integer in the uint256 range (no sign, no decimal point).");
        return false;
    }

    /// <summary>A required token or account: 0x and 64 hex digits, an EVM address (0x and 40, left-padded) or a base58 Solana key.</summary>
    public static bool TryToken(string parameter, string? text, out Bytes32 token, out ProblemHttpResult? problem)
    {
        token = default;
        if (text is null)
        {
            problem = BadParameter(parameter, "required (0x and 64 hex digits, an EVM address, or a base58 Solana key).");
            return false;
        }

        if (!text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && Adapters.Solana.Codec.Base58.TryDecodeKey(text, out token))
        {
            problem = null;
            return true;
        }

        var parsed = TryOptionalAccount(parameter, text, out var account, out problem);
        token = account ?? default;
        if (!parsed && !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            problem = BadParameter(parameter, $"'{text}' is neither 0x hex nor a base58 key of 32 bytes.");
        }

        return parsed;
    }
}
