using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Relayer.Node.Store;

/// <summary>The node store's DI entry point.</summary>
internal static class NodeStoreServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store from the <c>Store</c> section: the one <see cref="NodeStoreConnection"/> (external Redis or
    /// the embedded server under <c>Store:DataDirectory</c>, by default <c>{DataDirectory}/store</c> of the node's
    /// configuration, or <c>data/store</c>) and the intent store, epoch store, event log and lease over it.
    /// </summary>
    public static IServiceCollection AddNodeStore(this IServiceCollection services, IConfiguration configuration, string? nodeDataDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        nodeDataDirectory ??= configuration["Node:DataDirectory"] ?? "data";
        services.AddOptions<StoreOptions>()
            .Bind(configuration.GetSection(StoreOptions.SectionName), binder => binder.ErrorOnUnknownConfiguration = true)
            .PostConfigure(options => options.DataDirectory ??= Path.Combine(nodeDataDirectory, "store"))
            .ValidateDataAnnotations()
            .Validate(HasValidConnectionString, InvalidConnectionString)
            .ValidateOnStart();
        services.AddSingleton<NodeStoreConnection>();
        services.AddSingleton<RedisIntentStore>();
        services.AddSingleton<IIntentStore>(provider => provider.GetRequiredService<RedisIntentStore>());
        services.AddSingleton<IIntentQueries>(provider => provider.GetRequiredService<RedisIntentStore>());
        services.AddSingleton<IEpochStore, RedisEpochStore>();
        services.AddSingleton<IEventLog, RedisEventLog>();
        services.AddSingleton<INodeLease, RedisNodeLease>();
        return services;
    }

    public const string InvalidConnectionString = "Store:ConnectionString is not a valid StackExchange.Redis connection string.";

    public static bool HasValidConnectionString(StoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return true;
        }

        try
        {
            _ = StackExchange.Redis.ConfigurationOptions.Parse(options.ConnectionString);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
