using System.Security.Cryptography;
using System.Text;
using CityPass.Host.Payments.Gateways;
using CityPass.Host.Payments.Webhooks;
using Microsoft.Extensions.Options;
using Stripe;

namespace CityPass.Host.Payments.Sandbox;

/// <summary>A PaymentIntent of the sandbox provider: what Stripe would hold, kept in our own database.</summary>
public sealed record SandboxPaymentIntent(
    string Id,
    long Amount,
    string Currency,
    Dictionary<string, string> Metadata,
    string Status,
    string ClientSecret,
    string? ChargeId,
    long AmountRefunded,
    Instant CreatedAt,
    string? CustomerId = null,
    string? PaymentMethodId = null,
    string? FailureCode = null);

/// <summary>A SetupIntent of the sandbox: confirmed on <see cref="SandboxSetup"/> with a test card, it saves a payment method.</summary>
public sealed record SandboxSetupIntent(string Id, string CustomerId, string ClientSecret, string Status, string? PaymentMethodId, Instant CreatedAt);

/// <summary>A saved test card: what its off-session payments do, as Stripe's test cards for saved methods.</summary>
/// <param name="OffSessionFailure">Null: they succeed; <c>card_declined</c> or <c>authentication_required</c>: they fail so.</param>
public sealed record SandboxPaymentMethod(string Id, string CustomerId, string Last4, string? OffSessionFailure, bool Attached);

/// <summary>
/// Stands in for Stripe when no Stripe key is configured: creates PaymentIntents as Stripe would (the same idempotency
/// key gives the same intent) and lets a test card pay them on <see cref="SandboxCheckout"/>.
/// </summary>
public sealed class SandboxGateway(IDocumentStore store, IClock clock, StripeWebhookProcessor webhooks, IOptions<StripeOptions> stripe)
    : IPaymentGateway
{
    public string Provider => "sandbox";

    public async Task<CreatedPaymentIntent> CreatePaymentIntentAsync(
        Money amount, string currency, IReadOnlyDictionary<string, string> metadata, string idempotencyKey, CancellationToken ct)
    {
        var id = IdFor("pi_sandbox_", idempotencyKey);
        var intent = await store.WriteAsync(async (session, token) =>
        {
            if (await session.LoadAsync<SandboxPaymentIntent>(id, token) is { } existing)
                return existing;
            var created = new SandboxPaymentIntent(id, amount.Cents, currency, metadata.ToDictionary(), "requires_payment_method",
                $"{id}_secret_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}", null, 0, clock.GetCurrentInstant());
            session.Insert(created);
            return created;
        }, ct);
        return new CreatedPaymentIntent(intent.Id, intent.ClientSecret, SandboxCheckout.UrlFor(intent.Id, intent.ClientSecret));
    }

    /// <summary>As Stripe: a paid intent is not canceled; a canceled one can no longer be paid on the checkout page.</summary>
    public Task<PaymentIntentCancellation> CancelPaymentIntentAsync(string paymentIntentId, string idempotencyKey, CancellationToken ct) =>
        store.WriteAsync(async (session, token) =>
        {
            if (await session.LoadAsync<SandboxPaymentIntent>(paymentIntentId, token) is not { } intent)
                throw new PaymentGatewayException($"No sandbox payment {paymentIntentId}.");
            if (intent.Status is "succeeded" or "canceled")
                return new PaymentIntentCancellation(intent.Status == "canceled", intent.Status);
            session.Store(intent with { Status = "canceled" });
            return new PaymentIntentCancellation(true, "canceled");
        }, ct);

    public Task<string> CreateCustomerAsync(string accountId, string idempotencyKey, CancellationToken ct) =>
        Task.FromResult(IdFor("cus_sandbox_", idempotencyKey));

    public async Task<CreatedSetupIntent> CreateSetupIntentAsync(
        string customerId, IReadOnlyDictionary<string, string> metadata, string idempotencyKey, CancellationToken ct)
    {
        var id = IdFor("seti_sandbox_", idempotencyKey);
        var intent = await store.WriteAsync(async (session, token) =>
        {
            if (await session.LoadAsync<SandboxSetupIntent>(id, token) is { } existing)
                return existing;
            var created = new SandboxSetupIntent(id, customerId, $"{id}_secret_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}",
                "requires_payment_method", null, clock.GetCurrentInstant());
            session.Insert(created);
            return created;
        }, ct);
        return new CreatedSetupIntent(intent.Id, intent.ClientSecret, SandboxSetup.UrlFor(intent.Id, intent.ClientSecret));
    }

    public async Task<SetupIntentState?> GetSetupIntentAsync(string setupIntentId, CancellationToken ct)
    {
        await using var query = store.QuerySession();
        return await query.LoadAsync<SandboxSetupIntent>(setupIntentId, ct) is { } intent
            ? new SetupIntentState(intent.Id, intent.Status, intent.CustomerId, "off_session", intent.PaymentMethodId)
            : null;
    }

    /// <summary>As Stripe: the saved card decides; the event Stripe would send reaches the webhook before the answer returns.</summary>
    public async Task<OffSessionPayment> ChargeOffSessionAsync(
        Money amount, string currency, string customerId, string paymentMethodId, IReadOnlyDictionary<string, string> metadata,
        string idempotencyKey, CancellationToken ct)
    {
        var id = IdFor("pi_sandbox_", idempotencyKey);
        var (intent, json) = await store.WriteAsync<(SandboxPaymentIntent, string?)>(async (session, token) =>
        {
            if (await session.LoadAsync<SandboxPaymentIntent>(id, token) is { } existing)
                return (existing, null); // the same key: the same answer, and no second event
            if (await session.LoadAsync<SandboxPaymentMethod>(paymentMethodId, token) is not { Attached: true } method || method.CustomerId != customerId)
                throw new PaymentGatewayException($"No sandbox payment method {paymentMethodId} attached to {customerId}.");
            var now = clock.GetCurrentInstant();
            var pi = new SandboxPaymentIntent(id, amount.Cents, currency, metadata.ToDictionary(),
                method.OffSessionFailure is null ? "succeeded" : "requires_payment_method",
                $"{id}_secret_{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12))}",
                method.OffSessionFailure is null ? "ch_sandbox_" + id["pi_sandbox_".Length..] : null, 0, now,
                customerId, paymentMethodId, method.OffSessionFailure);
            session.Insert(pi);
            return (pi, method.OffSessionFailure is null
                ? SandboxEvents.PaymentIntentEvent(EventTypes.PaymentIntentSucceeded, pi, now)
                : SandboxEvents.PaymentIntentEvent(EventTypes.PaymentIntentPaymentFailed, pi, now, FailureMessage(method.OffSessionFailure),
                    method.OffSessionFailure));
        }, ct);
        if (json is not null)
            await SandboxCheckout.Deliver(json, webhooks, clock, stripe.Value, ct);
        return new OffSessionPayment(intent.Id, intent.Status, intent.ClientSecret, intent.FailureCode,
            intent.FailureCode is null ? null : FailureMessage(intent.FailureCode));
    }

    public Task DetachPaymentMethodAsync(string paymentMethodId, string idempotencyKey, CancellationToken ct) =>
        store.WriteAsync(async (session, token) =>
        {
            if (await session.LoadAsync<SandboxPaymentMethod>(paymentMethodId, token) is { Attached: true } method)
                session.Store(method with { Attached = false });
            return true;
        }, ct);

    private static string FailureMessage(string code) => code == "authentication_required"
        ? "Your card was declined. This transaction requires authentication."
        : "Your card was declined.";

    private static string IdFor(string prefix, string idempotencyKey) =>
        prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..24];
}
