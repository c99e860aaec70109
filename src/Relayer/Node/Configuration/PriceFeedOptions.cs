using System.ComponentModel.DataAnnotations;

namespace DiscreteExec.Relayer.Node.Configuration;

/// <summary>Which reference-price feed the node uses.</summary>
internal enum PriceFeedKind
{
    /// <summary>Each asset's <c>ReferencePrice</c> from configuration, never stale.</summary>
    Static,

    /// <summary>A simulated walk from each asset's <c>ReferencePrice</c> (devnet: makes the volatility trigger fire).</summary>
    RandomWalk,

    /// <summary>A JSON document fetched over HTTP(S).</summary>
    Http,
}

/// <summary>The reference-price feed: its kind and the settings of that kind.</summary>
internal sealed class PriceFeedOptions
{
    [Required]
    public PriceFeedKind? Kind { get; set; }

    public RandomWalkOptions RandomWalk { get; set; } = new();

    public HttpPriceFeedOptions Http { get; set; } = new();

    /// <summary>
    /// The most a reference price may move from the last accepted one, in basis points; a larger move is refused like
    /// a stale price (no epoch closes, reported). Empty: no bound.
    /// </summary>
    [Range(1, 1_000_000, ErrorMessage = "PriceFeed:MaxMoveBps must be between 1 and 1000000.")]
    public int? MaxMoveBps { get; set; }
}

/// <summary>The simulated walk: one step per tick per asset, each at most <see cref="StepBps"/> up or down.</summary>
internal sealed class RandomWalkOptions
{
    /// <summary>Same seed, same elapsed time: same prices.</summary>
    public ulong Seed { get; set; } = 1;

    [Range(1, 5_000)]
    public int StepBps { get; set; } = 25;

    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan TickInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// An HTTP GET returning a JSON object of asset price keys to prices (decimal integers, numeraire per whole token
/// scaled 1e18, as strings or integer numbers), optionally nested under <see cref="PricesPath"/>.
/// </summary>
internal sealed class HttpPriceFeedOptions
{
    public Uri? Url { get; set; }

    /// <summary>Dot-separated property path to the object holding the prices (empty: the document itself).</summary>
    public string? PricesPath { get; set; }

    /// <summary>Dot-separated path to the prices' timestamp (unix seconds); empty: the time of the fetch.</summary>
    public string? TimestampPath { get; set; }

    /// <summary>A price older than this is stale: no epoch closes on it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromSeconds(60);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}
