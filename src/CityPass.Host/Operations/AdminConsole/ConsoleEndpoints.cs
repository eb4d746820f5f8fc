namespace CityPass.Host.Operations.AdminConsole;

/// <summary>
/// The administrators' console at <c>/admin</c>: a static page over endpoints that exist for scripts too — terminals
/// (<c>/terminals/health?all=true</c>), the error queues (<c>/admin/failed-messages</c>, replay), recent declines
/// (<c>/admin/declines</c>) and each dependency's readiness (<c>/health/ready</c>). See docs/operations.md.
/// </summary>
public static class ConsoleEndpoints
{
    public static void MapAdminConsole(this IEndpointRouteBuilder app)
    {
        app.MapEmbeddedFiles("CityPass.Host.Operations.AdminConsole.",
            ("/admin", "index.html", "text/html; charset=utf-8"),
            ("/admin/console.js", "console.js", "text/javascript; charset=utf-8"),
            ("/admin/console.css", "console.css", "text/css; charset=utf-8"));
        app.MapRecentDeclines();
    }
}
