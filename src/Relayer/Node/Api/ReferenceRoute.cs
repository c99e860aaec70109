using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace DiscreteExec.Relayer.Node.Api;

/// <summary><c>/reference</c>: a small static page that renders the OpenAPI document and tries GET routes (nothing fetched from elsewhere).</summary>
internal static class ReferenceRoute
{
    private static readonly Lazy<byte[]> Page = new(() =>
    {
        using var stream = typeof(ReferenceRoute).Assembly.GetManifestResourceStream("DiscreteExec.Relayer.Node.Api.reference.html")
            ?? throw new InvalidOperationException("The API reference page is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    });

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/reference", () => TypedResults.Bytes(Page.Value, "text/html; charset=utf-8"))
            .WithName("ApiReference")
            .WithSummary("An interactive reference page rendered from /openapi/v1.json (plain HTML and JavaScript, no external resources).")
            .Produces(StatusCodes.Status200OK, contentType: "text/html");
    }
}
