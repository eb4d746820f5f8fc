using CityPass.Host.Operations.Telemetry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace CityPass.Host.Operations.Monitoring;

/// <summary>
/// The readiness checks of /health/ready (PostgreSQL, the bus's connection to RabbitMQ), run every
/// <see cref="MonitoringOptions.PollSeconds"/> by ASP.NET Core's health check publisher, as the <c>citypass_dependency_up</c> gauge.
/// </summary>
public sealed class DependencyHealthPublisher : IHealthCheckPublisher, IDisposable
{
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        CityPassTelemetry.ReportDependencies(this,
            report.Entries.Select(e => new DependencyHealth(e.Key, e.Value.Status == HealthStatus.Healthy)).ToList());
        return Task.CompletedTask;
    }

    public void Dispose() => CityPassTelemetry.Forget(this);
}
