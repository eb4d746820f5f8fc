namespace CityPass.Host.Payments.Webhooks;

public enum WebhookOutcome
{
    /// <summary>Recorded on the reload (and its card), or already reflected there.</summary>
    Applied,
    /// <summary>A type CityPass does not handle, or a payment that is not a CityPass reload: acknowledged, nothing changed.</summary>
    Ignored,
    /// <summary>About a PaymentIntent not linked to a reload yet: kept, and applied as soon as the link is known.</summary>
    Parked,
    /// <summary>A success for a reload that does not exist here: nothing credited, listed for finance (UnrequestedPayment).</summary>
    Flagged,
}

/// <summary>Each Stripe event id, recorded once, in the same transaction as what it changed.</summary>
/// <param name="Json">The verified payload, kept only while the event is parked.</param>
public sealed record StripeEventRecord(
    string Id, string Type, string? PaymentIntentId, Guid? ReloadId, WebhookOutcome Outcome, string? Detail, string? Json, Instant ReceivedAt);
