using System.Collections.Frozen;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary>
/// The dashboard at <c>/</c>: plain HTML, CSS and JavaScript embedded in the assembly (Node/Api/Dashboard), read once
/// and served from memory; the page reads everything else from the API. Nothing is fetched from elsewhere.
/// </summary>
internal static class DashboardRoutes
{
    private const string ResourcePrefix = "Dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["index.html"] = "text/html; charset=utf-8",
        ["dashboard.css"] = "text/css; charset=utf-8",
        ["dashboard.js"] = "text/javascript; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly Lazy<FrozenDictionary<string, byte[]>> Files = new(Load);

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", () => Serve("index.html"))
            .WithName("Dashboard")
            .WithSummary("The dashboard page (HTML): the current epoch, the last epochs, pools, live settlements, intent search.");
        app.MapGet("/dashboard/{file}", (string file) => Serve(file))
            .WithName("DashboardFile")
            .WithSummary("The dashboard's stylesheet and script (dashboard.css, dashboard.js).")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static Results<FileContentHttpResult, ProblemHttpResult> Serve(string file) =>
        Files.Value.TryGetValue(file, out var content)
            ? TypedResults.File(content, ContentTypes[file])
            : ApiParameters.NotFound($"The dashboard has no file '{file}' (it has {string.Join(", ", ContentTypes.Keys.Order(StringComparer.Ordinal))}).");

    private static FrozenDictionary<string, byte[]> Load()
    {
        var assembly = typeof(DashboardRoutes).Assembly;
        return ContentTypes.Keys.ToFrozenDictionary(
            name => name,
            name =>
            {
                using var stream = assembly.GetManifestResourceStream(ResourcePrefix + name)
                    ?? throw new InvalidOperationException($"The dashboard file {name} is not embedded in {assembly.GetName().Name} (Relayer.csproj, EmbeddedResource).");
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                return copy.ToArray();
            },
            StringComparer.Ordinal);
    }
}
