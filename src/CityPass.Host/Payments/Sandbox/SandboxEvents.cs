using System.Text.Json;
using Stripe;

namespace CityPass.Host.Payments.Sandbox;

/// <summary>
/// Stripe-format events (the JSON Stripe POSTs to a webhook endpoint, at Stripe.net's API version) for the sandbox's
/// PaymentIntents, signed with the webhook secret exactly as Stripe signs them.
/// </summary>
public static class SandboxEvents
{
    public static string PaymentIntentEvent(
        string type, SandboxPaymentIntent pi, Instant created, string? failureMessage = null, string failureCode = "card_declined") =>
        Envelope(type, created, new Dictionary<string, object?>
        {
            ["id"] = pi.Id,
            ["object"] = "payment_intent",
            ["amount"] = pi.Amount,
            ["amount_received"] = pi.Status == "succeeded" ? pi.Amount : 0,
            ["currency"] = pi.Currency,
            ["status"] = pi.Status,
            ["client_secret"] = pi.ClientSecret,
            ["latest_charge"] = pi.ChargeId,
            ["metadata"] = pi.Metadata,
            ["customer"] = pi.CustomerId,
            ["payment_method"] = pi.PaymentMethodId,
            ["livemode"] = false,
            ["last_payment_error"] = failureMessage is null ? null : new Dictionary<string, object?>
            {
                ["type"] = "card_error", ["code"] = failureCode,
                ["decline_code"] = failureCode == "authentication_required" ? "authentication_required" : "generic_decline", ["message"] = failureMessage,
            },
        });

    public static string ChargeRefunded(SandboxPaymentIntent pi, Instant created) =>
        Envelope(EventTypes.ChargeRefunded, created, new Dictionary<string, object?>
        {
            ["id"] = pi.ChargeId,
            ["object"] = "charge",
            ["amount"] = pi.Amount,
            ["amount_captured"] = pi.Amount,
            ["amount_refunded"] = pi.AmountRefunded,
            ["currency"] = pi.Currency,
            ["paid"] = true,
            ["refunded"] = pi.AmountRefunded == pi.Amount,
            ["payment_intent"] = pi.Id,
            ["status"] = "succeeded",
            ["livemode"] = false,
        });

    public static string DisputeEvent(string type, SandboxPaymentIntent pi, string disputeId, string status, Instant created) =>
        Envelope(type, created, new Dictionary<string, object?>
        {
            ["id"] = disputeId,
            ["object"] = "dispute",
            ["amount"] = pi.Amount,
            ["currency"] = pi.Currency,
            ["charge"] = pi.ChargeId,
            ["payment_intent"] = pi.Id,
            ["reason"] = "fraudulent",
            ["status"] = status,
            ["livemode"] = false,
        });

    public static string Sign(string json, string secret, Instant at) =>
        EventUtility.GenerateSignatureHeader(json, secret, at.ToUnixTimeSeconds());

    private static string Envelope(string type, Instant created, Dictionary<string, object?> data) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = "evt_sandbox_" + Guid.NewGuid().ToString("N")[..24],
            ["object"] = "event",
            ["api_version"] = StripeConfiguration.ApiVersion,
            ["created"] = created.ToUnixTimeSeconds(),
            ["data"] = new Dictionary<string, object?> { ["object"] = data },
            ["livemode"] = false,
            ["pending_webhooks"] = 1,
            ["request"] = new Dictionary<string, object?> { ["id"] = null, ["idempotency_key"] = null },
            ["type"] = type,
        });
}
