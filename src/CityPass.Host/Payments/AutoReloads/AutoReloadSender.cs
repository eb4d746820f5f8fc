using CityPass.Domain.Payments;
using CityPass.Domain.Payments.AutoReloads;
using CityPass.Host.Payments.Gateways;
using CityPass.Host.Payments.Reloading;
using CityPass.Host.Payments.Webhooks;
using Microsoft.Extensions.Options;

namespace CityPass.Host.Payments.AutoReloads;

/// <summary>
/// Asks the provider for the off-session payment of each automatic reload still <see cref="ReloadStatus.Requested"/>: woken
/// by the host that committed the trigger, and every <see cref="PaymentOptions.AutoReloadSendCheckSeconds"/> on every host,
/// so a host that died between the commit and the call is made up for. Hosts may send the same reload twice: the
/// idempotency key (<c>citypass-reload-{reloadId}</c>, the crossing's reload id) gives the same PaymentIntent, and the
/// reload records it once. The answer is recorded as the webhook would: created, or failed with the bank's code (which
/// stops automatic reloading, through <see cref="AutoReloadListener"/>). The success is credited by the webhook.
/// </summary>
public sealed partial class AutoReloadSender(
    IDocumentStore store, IPaymentGateway gateway, ReloadCanceller canceller, StripeWebhookProcessor webhooks, IClock clock,
    IOptions<PaymentOptions> options, ILogger<AutoReloadSender> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);

    public void Wake()
    {
        try
        {
            _wake.Release();
        }
        catch (SemaphoreFullException)
        {
            // woken already
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromSeconds(Math.Max(1, options.Value.AutoReloadSendCheckSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SendPendingAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFailed(e);
            }
            try
            {
                await _wake.WaitAsync(period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: every automatic reload not yet sent; how many were sent.</summary>
    public async Task<int> SendPendingAsync(CancellationToken ct)
    {
        IReadOnlyList<Reload> pending;
        await using (var query = store.QuerySession())
            pending = await query.Query<Reload>().Where(r => r.Status == ReloadStatus.Requested && r.Automatic).ToListAsync(ct);
        var sent = 0;
        foreach (var reload in pending)
        {
            try
            {
                await SendAsync(reload, ct);
                sent++;
            }
            catch (PaymentGatewayException e)
            {
                LogSendFailed(e, reload.Id);
            }
        }
        return sent;
    }

    private async Task SendAsync(Reload reload, CancellationToken ct)
    {
        AutoReload? auto;
        PaymentCustomer? customer;
        await using (var query = store.QuerySession())
        {
            auto = await query.LoadAsync<AutoReload>(AutoReload.StreamIdFor(reload.CardId), ct);
            customer = await query.LoadAsync<PaymentCustomer>(reload.AccountId, ct);
        }
        if (auto is null or { Status: AutoReloadStatus.Removed } || customer is null)
        {
            // Removed since the crossing: its method is detached, nothing may be charged.
            await canceller.RecordAsync(reload.Id,
                (r, now) => r.Status == ReloadStatus.Requested ? ReloadDecisions.Cancel(r, "automatic reloading was removed", now) : [], ct);
            return;
        }

        var payment = await gateway.ChargeOffSessionAsync(reload.Amount, reload.Currency, customer.CustomerId, auto.PaymentMethodId,
            new Dictionary<string, string>
            {
                [ReloadMetadata.ReloadId] = reload.Id.ToString(), [ReloadMetadata.CardId] = reload.CardId.ToString(), ["citypass_automatic"] = "true",
            },
            ReloadMetadata.StripeIdempotencyKey(reload.Id), ct);

        if (payment.PaymentIntentId is not { } paymentIntentId)
        {
            await canceller.RecordAsync(reload.Id, (r, now) => r.Status == ReloadStatus.Requested
                ? ReloadDecisions.Cancel(r, payment.FailureMessage ?? "the provider refused the payment", now) : [], ct);
            return;
        }
        await store.WriteAsync(async (session, token) =>
        {
            var stream = await session.Events.FetchForWriting<Reload>(reload.Id, token);
            // The webhook may have told of the PaymentIntent first (the sandbox's does), without its client secret.
            if (stream.Aggregate! is { ClientSecret: null } current && (current.PaymentIntentId ?? paymentIntentId) == paymentIntentId)
                stream.AppendOne(new PaymentIntentCreated(reload.Id, paymentIntentId, payment.ClientSecret, clock.GetCurrentInstant()));
            session.Store(new PaymentIntentLink(paymentIntentId, reload.Id));
            return true;
        }, ct);
        if (payment.FailureCode is { } code)
        {
            // The webhook's payment_intent.payment_failed says the same, whichever comes first.
            await canceller.RecordAsync(reload.Id, (r, now) => r.Status is ReloadStatus.Requested or ReloadStatus.AwaitingPayment
                ? [new ReloadPaymentFailed(r.Id, paymentIntentId, payment.FailureMessage ?? code, now, code)] : [], ct);
        }
        await webhooks.ApplyParkedAsync(paymentIntentId, ct);
        LogSent(reload.Id, paymentIntentId, payment.Status, payment.FailureCode);
    }

    [LoggerMessage(LogLevel.Error, "Sending automatic reloads failed; will try again")]
    private partial void LogPassFailed(Exception e);

    [LoggerMessage(LogLevel.Warning, "Automatic reload {ReloadId} could not be sent to the payment provider; will try again")]
    private partial void LogSendFailed(Exception e, Guid reloadId);

    [LoggerMessage(LogLevel.Information, "Automatic reload {ReloadId}: PaymentIntent {PaymentIntentId} is {Status} (failure: {FailureCode})")]
    private partial void LogSent(Guid reloadId, string paymentIntentId, string status, string? failureCode);
}
