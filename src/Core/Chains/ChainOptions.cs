using System.ComponentModel.DataAnnotations;

namespace DiscreteExec.Core.Chains;

/// <summary>
/// What every chain's options share, with the same keys in both adapters: <c>ChainId</c>, the declared <c>Kind</c>,
/// an <c>Rpc</c> section, <c>PollInterval</c>, and the signer keys (<c>Payer</c>, <c>Signers</c>) read from a file or an
/// environment variable, never from the configuration itself.
/// </summary>
public abstract class ChainOptions
{
    protected ChainOptions(ChainKind kind, TimeSpan pollInterval)
    {
        Kind = kind;
        PollInterval = pollInterval;
    }

    /// <summary>The chain's id in DiscreteExec (EVM: its EIP-155 id; Solana: the id the escrow's config holds).</summary>
    [Range(1, ulong.MaxValue)]
    public ulong ChainId { get; set; }

    /// <summary>The chain kind as declared in configuration; it must be the adapter's own.</summary>
    public ChainKind Kind { get; set; }

    /// <summary>The JSON-RPC endpoint and its retry policy.</summary>
    public ChainRpcOptions Rpc { get; set; } = new();

    /// <summary>How often the watcher polls the chain (and a submitter re-reads state while it waits).</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; }

    /// <summary>The account that sends settlement transactions and pays their fees.</summary>
    public ChainKeySource? Payer { get; set; }

    /// <summary>The operator's attestation keys for this chain's escrow (EVM: EIP-712 leg signers; Solana: attestors).</summary>
    public IList<ChainKeySource> Signers { get; } = [];

    /// <summary>The watcher's checkpoint file; empty means <c>checkpoints/{kind}-{ChainId}.json</c> under the working directory.</summary>
    public string CheckpointPath { get; set; } = string.Empty;

    /// <summary><see cref="CheckpointPath"/>, or the default file for this chain.</summary>
    public string EffectiveCheckpointPath =>
        string.IsNullOrWhiteSpace(CheckpointPath) ? Path.Combine("checkpoints", $"{Kind.ToString().ToLowerInvariant()}-{ChainId}.json") : CheckpointPath;

    public ChainId Chain => new(ChainId);

    /// <summary>
    /// The checks every chain's options share, each message starting with its full key under <paramref name="prefix"/>;
    /// the adapters' validators add these to their own.
    /// </summary>
    public IEnumerable<string> SharedErrors(string prefix, ChainKind expectedKind)
    {
        var key = string.IsNullOrEmpty(prefix) ? string.Empty : prefix + ":";
        if (Kind != expectedKind)
        {
            yield return $"{key}{nameof(Kind)}: '{Kind}' declared, but these are {expectedKind} options.";
        }

        if (Rpc is null)
        {
            yield return $"{key}{nameof(Rpc)}: the section is missing.";
            yield break;
        }

        var results = new List<ValidationResult>();
        Validator.TryValidateObject(Rpc, new ValidationContext(Rpc), results, validateAllProperties: true);
        foreach (var result in results)
        {
            foreach (var member in result.MemberNames.DefaultIfEmpty("?"))
            {
                yield return $"{key}{nameof(Rpc)}:{member}: {result.ErrorMessage}";
            }
        }

        if (Rpc.Url is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            yield return $"{key}{nameof(Rpc)}:{nameof(Rpc.Url)}: '{url}' must be an absolute http or https URL.";
        }

        for (var i = 0; i < Rpc.Urls.Count; i++)
        {
            if (Rpc.Urls[i] is not { IsAbsoluteUri: true } extra || (extra.Scheme != Uri.UriSchemeHttp && extra.Scheme != Uri.UriSchemeHttps))
            {
                yield return $"{key}{nameof(Rpc)}:{nameof(Rpc.Urls)}:{i}: '{Rpc.Urls[i]}' must be an absolute http or https URL.";
            }
        }

        if (Rpc.Url is not null && Rpc.Endpoints.Count != 1 + Rpc.Urls.Count)
        {
            yield return $"{key}{nameof(Rpc)}:{nameof(Rpc.Urls)}: each endpoint may be listed once (Url counts as the first).";
        }

        if (Rpc.Quorum > Rpc.Endpoints.Count)
        {
            yield return $"{key}{nameof(Rpc)}:{nameof(Rpc.Quorum)}: {Rpc.Quorum} is more than the {Rpc.Endpoints.Count} configured endpoint(s).";
        }
        else if (Rpc.Quorum > 0 && Rpc.Quorum * 2 <= Rpc.Endpoints.Count)
        {
            yield return $"{key}{nameof(Rpc)}:{nameof(Rpc.Quorum)}: {Rpc.Quorum} of {Rpc.Endpoints.Count} endpoints is not a majority; " +
                $"give more than half ({(Rpc.Endpoints.Count / 2) + 1} or more), or 0 for a majority, so endpoints that are not a majority cannot decide what is believed.";
        }

        if (Payer is not null && Payer.Error() is { } payerError)
        {
            yield return $"{key}{nameof(Payer)}: {payerError}";
        }

        for (var i = 0; i < Signers.Count; i++)
        {
            if (Signers[i]?.Error() is { } signerError)
            {
                yield return $"{key}{nameof(Signers)}:{i}: {signerError}";
            }
        }
    }
}

/// <summary>
/// A chain's JSON-RPC endpoints and how transient faults are retried (the same keys for every chain kind). With more
/// than one endpoint (<see cref="Url"/> plus <see cref="Urls"/>), the adapters accept an event or a state read only when
/// <see cref="EffectiveQuorum"/> endpoints return it with the same content.
/// </summary>
public sealed class ChainRpcOptions
{
    /// <summary>The node's HTTP(S) JSON-RPC URL (the first endpoint; the one start-up probes).</summary>
    [Required]
    public Uri? Url { get; set; }

    /// <summary>More endpoints of the same chain, ideally run by independent providers.</summary>
    public IList<Uri> Urls { get; } = [];

    /// <summary>How many endpoints must agree; 0 (the default) means a majority of <see cref="Endpoints"/>. Must be a majority (more than half).</summary>
    [Range(0, 64)]
    public int Quorum { get; set; }

    /// <summary><see cref="Url"/> then <see cref="Urls"/>, each once.</summary>
    public IReadOnlyList<Uri> Endpoints => [.. new[] { Url }.Concat(Urls).OfType<Uri>().Distinct()];

    /// <summary><see cref="Quorum"/>, or a majority of the endpoints when it is 0 (1 of 1, 2 of 2 or 3, 3 of 4 or 5).</summary>
    public int EffectiveQuorum => Quorum > 0 ? Quorum : (Endpoints.Count / 2) + 1;

    /// <summary>Each attempt's timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a transient fault (timeouts, 429, 5xx, a node behind).</summary>
    [Range(0, 20)]
    public int MaxRetryAttempts { get; set; } = 6;

    /// <summary>The first retry's delay; later ones back off exponentially with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Failed attempts within 30 s, with none succeeding, that open the endpoint's circuit (calls then fail fast).</summary>
    [Range(2, 10_000)]
    public int CircuitBreakAfter { get; set; } = 10;

    /// <summary>How long an open circuit refuses calls before it lets one trial call through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "00:10:00")]
    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Where a key is read from: a file or an environment variable (exactly one). A key never sits in configuration.</summary>
public sealed class ChainKeySource
{
    /// <summary>A file holding the key (EVM: hex private key; Solana: a CLI keypair JSON array).</summary>
    public string? File { get; set; }

    /// <summary>The name of an environment variable holding the key, in the same format as the file.</summary>
    public string? EnvironmentVariable { get; set; }

    /// <summary>The key's text; throws <see cref="InvalidOperationException"/> naming the file or variable when it is missing.</summary>
    public string Read()
    {
        if (Error() is { } error)
        {
            throw new InvalidOperationException(error);
        }

        if (!string.IsNullOrWhiteSpace(File))
        {
            return System.IO.File.Exists(File)
                ? System.IO.File.ReadAllText(File).Trim()
                : throw new InvalidOperationException($"The key file '{File}' does not exist.");
        }

        var value = Environment.GetEnvironmentVariable(EnvironmentVariable!);
        return string.IsNullOrWhiteSpace(value)
            ? throw new InvalidOperationException($"The environment variable '{EnvironmentVariable}' that should hold a key is not set.")
            : value.Trim();
    }

    /// <summary>
    /// Reads the key configured at <paramref name="key"/> (the configuration path, the prefix of every error) and parses
    /// it; throws <see cref="InvalidOperationException"/> naming the key when none is configured, it cannot be read, or
    /// <paramref name="parse"/> refuses it (<see cref="FormatException"/> or <see cref="ArgumentException"/>) as not
    /// <paramref name="format"/>.
    /// </summary>
    public static T Load<T>(ChainKeySource? source, string key, string format, Func<string, T> parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (source is null)
        {
            throw new InvalidOperationException($"{key}: no key configured (set {nameof(File)} or {nameof(EnvironmentVariable)}).");
        }

        string text;
        try
        {
            text = source.Read();
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{key}: {e.Message}", e);
        }

        try
        {
            return parse(text);
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            throw new InvalidOperationException($"{key}: the key is not {format} ({e.Message}).", e);
        }
    }

    /// <summary>Null when exactly one of <see cref="File"/> and <see cref="EnvironmentVariable"/> is set.</summary>
    public string? Error() =>
        string.IsNullOrWhiteSpace(File) == string.IsNullOrWhiteSpace(EnvironmentVariable)
            ? $"set exactly one of {nameof(File)} and {nameof(EnvironmentVariable)}."
            : null;
}
