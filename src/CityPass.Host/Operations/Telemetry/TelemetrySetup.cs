using JasperFx.OpenTelemetry;
using MassTransit;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CityPass.Host.Operations.Telemetry;

/// <summary>
/// OpenTelemetry metrics (CityPass, MassTransit, ASP.NET Core, Kestrel) on a Prometheus <c>/metrics</c> endpoint, and
/// traces (CityPass, MassTransit, Marten, ASP.NET Core) exported with OTLP only when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class TelemetrySetup
{
    public static IServiceCollection AddCityPassTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<CityPassTelemetry>();
        // Marten's connection spans: a batch's reads and its commit show under its "tap batch decide" span.
        services.ConfigureMarten(o => o.OpenTelemetry.TrackConnections = TrackLevel.Normal);
        // Log lines written while a terminal's message is consumed carry the terminal, the message and the trace.
        services.ConfigureCityPassBus((context, cfg) => cfg.UseConsumeFilter(typeof(LogScopeFilter<>), context));
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(configuration["OTEL_SERVICE_NAME"] ?? "citypass"))
            .WithMetrics(metrics => metrics
                .AddMeter(CityPassTelemetry.Name, "MassTransit", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
                .AddAspNetCoreInstrumentation()
                // Scrapes always see the latest values (the default caches a scrape for 300 ms).
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0))
            .WithTracing(tracing => tracing
                .AddSource(CityPassTelemetry.Name, "MassTransit", "Marten")
                .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/metrics")
                    && !http.Request.Path.StartsWithSegments("/health")));
        if (!string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();
        return services;
    }

    /// <summary>Prometheus's scrape endpoint: anonymous in Development, closed in a deployment (Security/HttpHardening).</summary>
    public static IEndpointConventionBuilder MapCityPassMetrics(this IEndpointRouteBuilder app) => app.MapPrometheusScrapingEndpoint("/metrics");
}
