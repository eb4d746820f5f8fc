using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityPass.Host.Operations.Monitoring;

/// <summary>The pollers behind the queue-depth, projection-lag and dependency gauges of /metrics.</summary>
public static class MonitoringSetup
{
    public static IServiceCollection AddCityPassMonitoring(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<MonitoringOptions>(configuration.GetSection("Monitoring"));
        var interval = (configuration.GetSection("Monitoring").Get<MonitoringOptions>() ?? new MonitoringOptions()).PollInterval;
        services.AddHostedServiceFor<QueueDepthPoller>(HostRole.Background);
        services.AddHostedServiceFor<ProjectionLagPoller>(HostRole.Background);
        services.AddSingleton<IHealthCheckPublisher, DependencyHealthPublisher>();
        services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(1);
            o.Period = interval;
            o.Predicate = c => c.Tags.Contains(HealthSetup.Ready);
        });
        return services;
    }
}
