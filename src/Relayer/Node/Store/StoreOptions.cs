using System.ComponentModel.DataAnnotations;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>
/// The <c>Store</c> section of the node's configuration: an external Redis when <see cref="ConnectionString"/> is set,
/// otherwise the embedded server persisting to <see cref="DataDirectory"/>.
/// </summary>
internal sealed class StoreOptions
{
    public const string SectionName = "Store";

    /// <summary>A StackExchange.Redis connection string of an external Redis (e.g. <c>redis.internal:6379,password=...</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Where the embedded server keeps its append-only file; defaults to <c>store</c> under the node's <c>DataDirectory</c>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Prefixes every key, so that several stores (or tests) can share one server.</summary>
    [Required(AllowEmptyStrings = false)]
    [RegularExpression(@"^[A-Za-z0-9:_\-]+$", ErrorMessage = "Store:KeyPrefix may hold only letters, digits, ':', '_' and '-'.")]
    public string KeyPrefix { get; set; } = "dx:";

    /// <summary>How long an operation may wait for the server (also while it reconnects).</summary>
    [Range(100, 600_000)]
    public int OperationTimeoutMilliseconds { get; set; } = 10_000;
}
