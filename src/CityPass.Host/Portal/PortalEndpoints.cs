namespace CityPass.Host.Portal;

/// <summary>
/// The cardholder portal: one static page and its script, embedded in the host (no CDN, no build step), talking to the
/// same /account and /me endpoints as any app. Mobile first; see docs/cardholders.md.
/// </summary>
public static class PortalEndpoints
{
    public static void MapPortal(this IEndpointRouteBuilder app) =>
        app.MapEmbeddedFiles("CityPass.Host.Portal.",
            ("/portal", "index.html", "text/html; charset=utf-8"),
            // Where the e-mails' links lead: the same page, which calls /account/confirmEmail or /account/resetPassword.
            ("/portal/confirm-email", "index.html", "text/html; charset=utf-8"),
            ("/portal/reset-password", "index.html", "text/html; charset=utf-8"),
            ("/portal/app.js", "app.js", "text/javascript; charset=utf-8"),
            ("/portal/app.css", "app.css", "text/css; charset=utf-8"));
}
