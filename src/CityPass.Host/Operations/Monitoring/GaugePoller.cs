using CityPass.Host.Operations.Telemetry;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Operations.Monitoring;

/// <summary>
/// A reader behind some of the /metrics gauges: reads every <see cref="MonitoringOptions.PollSeconds"/> and reports what
/// it read; while its dependency does not answer it reports nothing (logged once when that starts and once when it
/// ends) and tries again at each tick; once stopped, its readings leave the gauges.
/// </summary>
public abstract class GaugePoller(IOptions<MonitoringOptions> options, ILogger logger) : BackgroundService
{
    /// <summary>For the log: what is read ("queue depths") and from where ("RabbitMQ").</summary>
    protected abstract (string What, string From) Describe { get; }

    /// <summary>Reads and reports the readings.</summary>
    protected abstract Task PollAsync(CancellationToken ct);

    /// <summary>Reports no readings (the dependency does not answer).</summary>
    protected abstract void ReportNothing();

    /// <summary>After a failed read and when stopping: lets go of what the reads hold (a connection).</summary>
    protected virtual ValueTask ReleaseAsync() => ValueTask.CompletedTask;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var (what, from) = Describe;
        var failing = false;
        try
        {
            using var timer = new PeriodicTimer(options.Value.PollInterval);
            do
            {
                try
                {
                    await PollAsync(stoppingToken);
                    if (failing)
                        logger.LogInformation("Reading {What} from {From} again", what, from);
                    failing = false;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    ReportNothing();
                    if (!failing)
                        logger.LogWarning(e, "Cannot read {What} from {From}; trying again every {Interval}", what, from, options.Value.PollInterval);
                    failing = true;
                    await ReleaseAsync();
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            CityPassTelemetry.Forget(this);
            await ReleaseAsync();
        }
    }
}
