using CityPass.Domain.Payments;
using CityPass.Host.Infrastructure;
using CityPass.Host.Payments.Gateways;
using Marten;
using Microsoft.Extensions.Options;
using NodaTime;
using Npgsql;

namespace CityPass.Host.Payments.Reloading;

/// <summary>
/// Cancels reloads left unpaid for <see cref="PaymentOptions.UnpaidReloadExpiryHours"/>, every
/// <see cref="PaymentOptions.ReloadExpiryCheckSeconds"/>, on one host at a time: a pass runs only while it holds a
/// PostgreSQL advisory lock (per schema) on a connection of its own, which PostgreSQL releases if the host dies.
/// </summary>
public sealed partial class UnpaidReloadExpiry(
    IDocumentStore store, ReloadCanceller canceller, IClock clock, IOptions<PaymentOptions> options, IConfiguration configuration,
    ILogger<UnpaidReloadExpiry> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        PeriodicPasses.RunEveryAsync(
            TimeSpan.FromSeconds(Math.Max(1, options.Value.ReloadExpiryCheckSeconds)), RunOnceAsync, LogPassFailed, stoppingToken);

    /// <summary>One pass: the reloads it canceled, or null when another host holds the lock (and runs the pass).</summary>
    public async Task<int?> RunOnceAsync(CancellationToken ct)
    {
        await using var held = await AdvisoryLocks.TryTakeAsync(configuration.GetConnectionString("Marten")!, "citypass-reload-expiry", store.Options.DatabaseSchemaName, ct);
        if (held is null)
            return null;
        return await ExpireAsync(ct); // closing the connection ends its session, and the lock with it
    }

    private async Task<int> ExpireAsync(CancellationToken ct)
    {
        var expiry = Duration.FromHours(options.Value.UnpaidReloadExpiryHours);
        var now = clock.GetCurrentInstant();
        IReadOnlyList<Reload> unpaid;
        await using (var query = store.QuerySession())
            unpaid = await query.Query<Reload>()
                .Where(r => r.Status == ReloadStatus.Requested || r.Status == ReloadStatus.AwaitingPayment
                    || r.Status == ReloadStatus.Failed)
                .ToListAsync(ct);
        var expired = 0;
        foreach (var reload in unpaid.Where(r => ReloadDecisions.HasExpired(r, expiry, now)))
        {
            try
            {
                if (!(await canceller.CancelAsync(reload.Id, "expired", ct)).IsUnpaid)
                    expired++;
            }
            catch (PaymentGatewayException e)
            {
                LogCancelFailed(e, reload.Id);
            }
        }
        if (expired > 0)
            LogExpired(expired);
        return expired;
    }

    [LoggerMessage(LogLevel.Error, "Expiring unpaid reloads failed; will try again")]
    private partial void LogPassFailed(Exception e);

    [LoggerMessage(LogLevel.Warning, "Reload {ReloadId} expired but its payment could not be canceled; will try again")]
    private partial void LogCancelFailed(Exception e, Guid reloadId);

    [LoggerMessage(LogLevel.Information, "Canceled {Count} reloads left unpaid")]
    private partial void LogExpired(int count);
}
