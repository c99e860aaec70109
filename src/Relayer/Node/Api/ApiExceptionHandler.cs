using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using StackExchange.Redis;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// What the API answers for the exceptions a caller or an operator can do something about, instead of a bare 400 or
/// a 500: a request body that is not the route's JSON (400 naming the field and what was wrong), and a store that
/// did not answer in time or is unreachable (503 with <c>Retry-After</c>: the node is fine, its store is not).
/// Anything else is left to the default handler (500).
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    /// <summary>Seconds a client should wait before asking again when the store is unavailable.</summary>
    internal const int StoreRetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ProblemDetails? problem = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => BodyProblem(json),
            BadHttpRequestException bad => new ProblemDetails { Status = bad.StatusCode, Title = "Invalid request", Detail = bad.Message },
            RedisTimeoutException or RedisConnectionException => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Store unavailable",
                Detail = $"The node's store did not answer ({exception.GetType().Name}); ask again in a moment.",
            },
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = StoreRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception })
            .ConfigureAwait(false);
    }

    private static ProblemDetails BodyProblem(JsonException json)
    {
        var problem = new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "Invalid request body", Detail = BodyError(json) };
        if (Field(json) is { } field)
        {
            problem.Extensions["parameter"] = field;
        }

        return problem;
    }

    private static string? Field(JsonException json) =>
        json.Path is { Length: > 2 } path && path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : null;

    /// <summary>"field: what was wrong", the field read from the JSON path (<c>$.originChainId</c> → <c>originChainId</c>).</summary>
    internal static string BodyError(JsonException json)
    {
        var field = Field(json);
        var what = json.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal)
            ? "the value has the wrong JSON type (numbers as numbers, addresses and amounts as strings; see /reference)"
            : "the body is not well-formed JSON";
        var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : string.Empty;
        return field is null ? $"{what}{where}." : $"{field}: {what}{where}.";
    }
}
