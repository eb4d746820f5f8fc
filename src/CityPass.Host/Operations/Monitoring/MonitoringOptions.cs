namespace CityPass.Host.Operations.Monitoring;

/// <summary>Section <c>Monitoring</c>.</summary>
public sealed class MonitoringOptions
{
    /// <summary>How often queue depths, projection lag and the readiness checks are read for the gauges.</summary>
    public int PollSeconds { get; set; } = 5;

    public TimeSpan PollInterval => TimeSpan.FromSeconds(Math.Max(1, PollSeconds));
}
