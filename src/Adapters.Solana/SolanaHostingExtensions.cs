using DiscreteExec.Adapters.Solana.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DiscreteExec.Adapters.Solana;

/// <summary>Registers Solana clusters in a host.</summary>
public static class SolanaHostingExtensions
{
    /// <summary>
    /// Binds <c>Solana:Clusters:&lt;name&gt;</c>, validates it when the host starts (messages name the bad key), and
    /// registers the <see cref="SolanaCluster"/> as a keyed singleton under <paramref name="name"/>. Every cluster
    /// shares one <see cref="HttpClient"/>, registered once under the key <see cref="HttpClientKey"/> unless the host
    /// registered its own there.
    /// </summary>
    public static IHostApplicationBuilder AddSolanaCluster(this IHostApplicationBuilder builder, string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.Services.AddOptions<SolanaClusterOptions>(name).BindConfiguration($"{SolanaClusterOptions.SectionPrefix}:{name}").ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SolanaClusterOptions>, SolanaClusterOptionsValidator>());
        builder.Services.TryAddKeyedSingleton(HttpClientKey, (_, _) => new HttpClient { Timeout = Timeout.InfiniteTimeSpan });
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(name, (sp, _) => SolanaCluster.Create(
            name,
            sp.GetRequiredService<IOptionsMonitor<SolanaClusterOptions>>().Get(name),
            sp.GetRequiredKeyedService<HttpClient>(HttpClientKey),
            sp.GetService<ILoggerFactory>(),
            sp.GetRequiredService<TimeProvider>()));
        return builder;
    }

    /// <summary>The service key of the HttpClient the clusters share (per-attempt timeouts come from the options).</summary>
    public const string HttpClientKey = "DiscreteExec.Adapters.Solana";
}
