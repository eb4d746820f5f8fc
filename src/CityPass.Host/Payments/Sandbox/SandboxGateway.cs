using System.Security.Cryptography;
using System.Text;
using CityPass.Host.Payments.Gateways;

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
    Instant CreatedAt);

/// <summary>
/// Stands in for Stripe when no Stripe key is configured: creates PaymentIntents as Stripe would (the same idempotency
/// key gives the same intent) and lets a test card pay them on <see cref="SandboxCheckout"/>.
/// </summary>
public sealed class SandboxGateway(IDocumentStore store, IClock clock) : IPaymentGateway
{
    public string Provider => "sandbox";

    public async Task<CreatedPaymentIntent> CreatePaymentIntentAsync(
        Money amount, string currency, IReadOnlyDictionary<string, string> metadata, string idempotencyKey, CancellationToken ct)
    {
        var id = "pi_sandbox_" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(idempotencyKey)))[..24];
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
}
