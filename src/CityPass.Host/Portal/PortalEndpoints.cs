using System.Reflection;

namespace CityPass.Host.Portal;

/// <summary>
/// The cardholder portal: one static page and its script, embedded in the host (no CDN, no build step), talking to the
/// same /account and /me endpoints as any app. Mobile first; see docs/cardholders.md.
/// </summary>
public static class PortalEndpoints
{
    private static readonly (string Path, string Resource, string ContentType)[] Files =
    [
        ("/portal", "index.html", "text/html; charset=utf-8"),
        ("/portal/app.js", "app.js", "text/javascript; charset=utf-8"),
        ("/portal/app.css", "app.css", "text/css; charset=utf-8"),
    ];

    public static void MapPortal(this IEndpointRouteBuilder app)
    {
        foreach (var (path, resource, contentType) in Files)
        {
            var bytes = Read(resource);
            app.MapGet(path, (HttpContext http) =>
                {
                    http.Response.Headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'";
                    http.Response.Headers.XContentTypeOptions = "nosniff";
                    http.Response.Headers.CacheControl = "no-cache";
                    return Results.Bytes(bytes, contentType);
                })
                .AllowAnonymous().ExcludeFromDescription();
        }
    }

    private static byte[] Read(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        using var stream = assembly.GetManifestResourceStream($"CityPass.Host.Portal.{name}")
            ?? throw new InvalidOperationException($"The portal's {name} is not embedded in the host.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
