using System.Net;
using CityPass.Host.Accounts;
using Microsoft.AspNetCore.HttpOverrides;

namespace CityPass.Host.Security;

/// <summary>
/// What a deployment on the Internet needs and a laptop does not: HSTS and HTTPS redirection, the API's description and
/// Swagger UI and <c>/metrics</c> closed to anonymous callers. On by default outside Development and Testing
/// (<c>Http:Hardened</c> overrides). Behind a TLS-terminating proxy, <c>ForwardedHeaders:Enabled</c> with its addresses
/// in <c>ForwardedHeaders:KnownProxies</c> / <c>KnownNetworks</c>, so that the scheme and client address are the caller's.
/// </summary>
public static class HttpHardening
{
    public static bool Hardened(IHostEnvironment environment, IConfiguration configuration) =>
        configuration.GetValue<bool?>("Http:Hardened") ?? !StartupSecrets.MayUseRepositoryValues(environment);

    public static IServiceCollection AddCityPassHttpHardening(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            foreach (var proxy in List(configuration["ForwardedHeaders:KnownProxies"]))
                o.KnownProxies.Add(IPAddress.Parse(proxy));
            foreach (var network in List(configuration["ForwardedHeaders:KnownNetworks"]))
                o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));
        services.AddHttpsRedirection(o => o.HttpsPort = configuration.GetValue<int?>("Http:HttpsPort") ?? 443);
        return services;
    }

    /// <summary>First in the pipeline: the forwarded scheme and address, then HSTS and the redirection (not for probes).</summary>
    public static void UseCityPassHttpHardening(this WebApplication app)
    {
        if (app.Configuration.GetValue<bool>("ForwardedHeaders:Enabled"))
            app.UseForwardedHeaders();
        if (!Hardened(app.Environment, app.Configuration))
            return;
        app.UseHsts();
        app.UseWhen(http => !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics"),
            https => https.UseHttpsRedirection());
    }

    /// <summary>
    /// The OpenAPI document to administrators; <c>/metrics</c> to administrators, or only on <c>Management:Port</c> (a port
    /// the orchestrator keeps private, listed in ASPNETCORE_URLS) when it is set.
    /// </summary>
    public static void ProtectOperationalEndpoints(this WebApplication app, IEndpointConventionBuilder openApi, IEndpointConventionBuilder metrics)
    {
        if (!Hardened(app.Environment, app.Configuration))
            return;
        openApi.RequireAuthorization(AccountsSetup.AdministratorPolicy);
        if (app.Configuration.GetValue<int?>("Management:Port") is { } port)
            metrics.RequireHost($"*:{port}");
        else
            metrics.RequireAuthorization(AccountsSetup.AdministratorPolicy);
    }

    private static string[] List(string? value) => (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
