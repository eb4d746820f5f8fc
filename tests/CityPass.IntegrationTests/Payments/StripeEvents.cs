using System.Text.Json;
using Stripe;

namespace CityPass.IntegrationTests.Payments;

/// <summary>
/// Stripe webhook payloads as Stripe sends them (snake_case, amounts in cents, the data object's "object" naming its
/// type), written here independently of the host's sandbox so that the two cannot share a mistake.
/// </summary>
public static class StripeEvents
{
    public static string Succeeded(string paymentIntentId, Guid reloadId, long amount, string currency = "eur", string? eventId = null) =>
        Event("payment_intent.succeeded", eventId, PaymentIntent(paymentIntentId, reloadId, amount, amount, currency, "succeeded"));

    public static string Failed(string paymentIntentId, Guid reloadId, long amount, string? eventId = null)
    {
        var pi = PaymentIntent(paymentIntentId, reloadId, amount, 0, "eur", "requires_payment_method");
        pi["last_payment_error"] = new Dictionary<string, object?> { ["type"] = "card_error", ["code"] = "card_declined", ["message"] = "Your card was declined." };
        return Event("payment_intent.payment_failed", eventId, pi);
    }

    public static string Canceled(string paymentIntentId, Guid reloadId, long amount, string? eventId = null) =>
        Event("payment_intent.canceled", eventId, PaymentIntent(paymentIntentId, reloadId, amount, 0, "eur", "canceled"));

    /// <summary>charge.refunded, with Stripe's cumulative amount_refunded and no metadata (charges need not carry it).</summary>
    public static string Refunded(string paymentIntentId, long amount, long amountRefunded, string currency = "eur", string? eventId = null) =>
        Event("charge.refunded", eventId, new Dictionary<string, object?>
        {
            ["id"] = "ch_" + paymentIntentId, ["object"] = "charge", ["amount"] = amount, ["amount_captured"] = amount,
            ["amount_refunded"] = amountRefunded, ["currency"] = currency, ["paid"] = true, ["refunded"] = amountRefunded == amount,
            ["payment_intent"] = paymentIntentId, ["status"] = "succeeded",
        });

    public static string Dispute(string type, string paymentIntentId, string disputeId, long amount, string status, string? eventId = null) =>
        Event(type, eventId, new Dictionary<string, object?>
        {
            ["id"] = disputeId, ["object"] = "dispute", ["amount"] = amount, ["currency"] = "eur", ["charge"] = "ch_" + paymentIntentId,
            ["payment_intent"] = paymentIntentId, ["reason"] = "fraudulent", ["status"] = status,
        });

    public static string Event(string type, string? eventId, Dictionary<string, object?> data, string? apiVersion = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = eventId ?? "evt_" + Guid.NewGuid().ToString("N"),
            ["object"] = "event",
            ["api_version"] = apiVersion ?? StripeConfiguration.ApiVersion,
            ["created"] = 1795000000,
            ["data"] = new Dictionary<string, object?> { ["object"] = data },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new Dictionary<string, object?> { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
        });

    private static Dictionary<string, object?> PaymentIntent(string id, Guid reloadId, long amount, long received, string currency, string status) => new()
    {
        ["id"] = id, ["object"] = "payment_intent", ["amount"] = amount, ["amount_received"] = received, ["currency"] = currency,
        ["status"] = status, ["metadata"] = new Dictionary<string, string> { ["citypass_reload_id"] = reloadId.ToString() },
    };
}
