using System.ComponentModel.DataAnnotations;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>The node's HTTP API (src/Relayer/Node/Api): on by default, bound to the loopback interface.</summary>
internal sealed class ApiOptions
{
    public const string DefaultUrls = "http://127.0.0.1:8080";

    /// <summary>Off: no HTTP listener at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Where Kestrel listens: one or more <c>http://host:port</c> separated by ';' (port 0: a free port, logged at start).</summary>
    public string Urls { get; set; } = DefaultUrls;

    /// <summary>The largest page a listing returns (a request asking for more is refused, naming <c>limit</c>).</summary>
    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;

    /// <summary>How often an idle event stream sends a comment line, so that proxies and clients see it alive.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a quoted deadline lies ahead of now (<c>GET /v1/quote</c>); the quote never offers less than the open
    /// epoch's longest duration plus the settlement margin, so an intent opened at once is never refunded as expired.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan QuoteValidity { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The slippage a quote assumes when the request names none, in basis points.</summary>
    [Range(0, 10_000)]
    public int DefaultSlippageBps { get; set; } = 50;

    /// <summary>The URLs, split and trimmed.</summary>
    public IReadOnlyList<string> UrlList => Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Each URL must be absolute <c>http</c> with an explicit port (TLS is for a reverse proxy in front of the node).</summary>
    public static void Validate(ApiOptions options, List<string> failures)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(failures);
        AnnotationChecks.Validate(options, "Api", failures);
        if (!options.Enabled)
        {
            return;
        }

        if (options.UrlList.Count == 0)
        {
            failures.Add("Api:Urls: required when Api:Enabled is true (for example http://127.0.0.1:8080).");
        }

        foreach (var url in options.UrlList)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp
                || uri.AbsolutePath != "/" || !url.Contains($":{uri.Port}", StringComparison.Ordinal))
            {
                failures.Add($"Api:Urls: '{url}' is not http://host:port (absolute http with an explicit port and no path; put TLS in a reverse proxy).");
            }
        }
    }
}
