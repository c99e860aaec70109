using System.ComponentModel.DataAnnotations;

namespace DiscreteExec.Relayer.Node.Bus;

/// <summary>The node's bus (configuration section <c>Bus</c>): RabbitMQ when <see cref="RabbitMq"/> is set, the in-memory transport otherwise.</summary>
internal sealed class BusOptions
{
    public const string SectionName = "Bus";

    /// <summary>
    /// The broker, e.g. <c>amqp://user:password@127.0.0.1:5672/vhost</c> (or <c>amqps://</c>). Empty: the in-memory
    /// transport, which loses unconsumed messages with the process (a single-process default, not for production).
    /// </summary>
    public string? RabbitMq { get; set; }

    /// <summary>Overrides the user of <see cref="RabbitMq"/>, so that credentials can come from the environment.</summary>
    public string? Username { get; set; }

    /// <summary>Overrides the password of <see cref="RabbitMq"/> (e.g. <c>Bus__Password</c> in the environment).</summary>
    public string? Password { get; set; }

    /// <summary>The node's own aggregator queue: its watchers send intake messages here (never published).</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$", ErrorMessage = "Bus:AggregatorQueue must be 1-200 letters, digits, '.', '_' or '-'.")]
    public string AggregatorQueue { get; set; } = "discreteexec-aggregator";

    /// <summary>How many unacknowledged messages the broker hands the node at once.</summary>
    [Range(1, 10_000, ErrorMessage = "Bus:PrefetchCount must be between 1 and 10000.")]
    public int PrefetchCount { get; set; } = 64;

    /// <summary>How many intake messages are consumed concurrently.</summary>
    [Range(1, 1_000, ErrorMessage = "Bus:ConcurrencyLimit must be between 1 and 1000.")]
    public int ConcurrencyLimit { get; set; } = 32;

    /// <summary>
    /// How often a retraction of an intent not stored (yet) is retried before it goes to the error queue. A storage
    /// fault is retried without limit (see <see cref="RetryMaxIntervalMilliseconds"/>), a malformed message never.
    /// </summary>
    [Range(0, 100, ErrorMessage = "Bus:RetryLimit must be between 0 and 100.")]
    public int RetryLimit { get; set; } = 5;

    /// <summary>The first wait before a retry, and the step by which later waits grow.</summary>
    [Range(0, 600_000, ErrorMessage = "Bus:RetryIntervalMilliseconds must be between 0 and 600000.")]
    public int RetryIntervalMilliseconds { get; set; } = 200;

    /// <summary>The longest wait between two retries of a storage fault, which doubles from <see cref="RetryIntervalMilliseconds"/>.</summary>
    [Range(0, 600_000, ErrorMessage = "Bus:RetryMaxIntervalMilliseconds must be between 0 and 600000.")]
    public int RetryMaxIntervalMilliseconds { get; set; } = 30_000;

    /// <summary>Whether messages go to a broker (true) or stay in process (false).</summary>
    public bool UsesRabbitMq => !string.IsNullOrWhiteSpace(RabbitMq);

    /// <summary>The broker address with the credential overrides applied.</summary>
    public Uri RabbitMqUri()
    {
        var builder = new UriBuilder(new Uri(RabbitMq!, UriKind.Absolute));
        if (!string.IsNullOrEmpty(Username))
        {
            builder.UserName = Uri.EscapeDataString(Username);
        }

        if (!string.IsNullOrEmpty(Password))
        {
            builder.Password = Uri.EscapeDataString(Password);
        }

        return builder.Uri;
    }

    /// <summary>Every problem of these options, each naming its key; empty when they are valid.</summary>
    public IReadOnlyList<string> Problems()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var problems = results.Select(r => r.ErrorMessage ?? string.Join(", ", r.MemberNames)).ToList();
        if (UsesRabbitMq)
        {
            if (!Uri.TryCreate(RabbitMq, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps") || string.IsNullOrEmpty(uri.Host))
            {
                problems.Add($"Bus:RabbitMq must be an amqp:// or amqps:// address with a host, e.g. amqp://user:password@127.0.0.1:5672/ (got '{Redacted(RabbitMq!)}').");
            }
        }

        return problems;
    }

    // Never echo a password into a log or an error message.
    private static string Redacted(string text)
    {
        var at = text.LastIndexOf('@');
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        return at > 0 && scheme >= 0 && at > scheme ? string.Concat(text.AsSpan(0, scheme + 3), "***", text.AsSpan(at)) : text;
    }
}
