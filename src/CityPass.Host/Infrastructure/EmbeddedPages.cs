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
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in the host.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}
