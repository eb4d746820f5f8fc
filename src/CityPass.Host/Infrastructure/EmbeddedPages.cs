using System.Reflection;

namespace CityPass.Host.Infrastructure;

/// <summary>
/// Static pages embedded in the host (no CDN, no build step): served anonymously with a strict content security policy.
/// They hold no data; their scripts sign in with /account/login and call the API with a bearer token, which enforces the role.
/// </summary>
public static class EmbeddedPages
{
    public static void MapEmbeddedFiles(this IEndpointRouteBuilder app, string resourcePrefix, params (string Path, string Resource, string ContentType)[] files)
    {
        foreach (var (path, resource, contentType) in files)
        {
            var bytes = Read(resourcePrefix + resource);
            app.MapGet(path, (HttpContext http) =>
                {
                    SecurityHeaders(http.Response);
                    return Results.Bytes(bytes, contentType);
                })
                .AllowAnonymous().ExcludeFromDescription();
        }
    }

    /// <summary>What every page of the host carries: its own scripts only, never framed, no content sniffing, revalidated.</summary>
    public static void SecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'; form-action 'self'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.CacheControl = "no-cache";
    }

    private static byte[] Read(string name)
    {
        var assembly = Assembly.GetExecutingAssembly();
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in the host.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
