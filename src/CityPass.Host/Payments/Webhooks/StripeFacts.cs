using CityPass.Domain.Payments;
using CityPass.Host.Payments.Reloading;
using Stripe;
using Dispute = Stripe.Dispute;

namespace CityPass.Host.Payments.Webhooks;

/// <summary>A Stripe event read as a payment fact, with the reload id when the event itself carries it (PaymentIntent metadata).</summary>
public sealed record ParsedFact(PaymentFact Fact, Guid? ReloadId, bool IsPaymentIntentEvent);

public static class StripeFacts
{
    public static readonly IReadOnlySet<string> Handled = new HashSet<string>
    {
        EventTypes.PaymentIntentSucceeded,
        EventTypes.PaymentIntentPaymentFailed,
        EventTypes.PaymentIntentCanceled,
        EventTypes.ChargeRefunded,
        EventTypes.ChargeDisputeCreated,
        EventTypes.ChargeDisputeClosed,
    };

    /// <summary>The fact an event states, or null for a type CityPass does not handle or an object without a PaymentIntent.</summary>
    public static ParsedFact? Read(Event e) => (e.Type, e.Data.Object) switch
    {
        (EventTypes.PaymentIntentSucceeded, PaymentIntent pi) =>
            new(new PaymentFact.Succeeded(pi.Id, e.Id, Money.FromCents(pi.AmountReceived), pi.Currency ?? ""), ReloadIdOf(pi.Metadata), true),
        (EventTypes.PaymentIntentPaymentFailed, PaymentIntent pi) =>
            new(new PaymentFact.Failed(pi.Id, e.Id, pi.LastPaymentError?.Message ?? "The payment failed.", FailureCode(pi.LastPaymentError)),
                ReloadIdOf(pi.Metadata), true),
        (EventTypes.PaymentIntentCanceled, PaymentIntent pi) =>
            new(new PaymentFact.Canceled(pi.Id, e.Id), ReloadIdOf(pi.Metadata), true),
        (EventTypes.ChargeRefunded, Charge { PaymentIntentId: { } piId } charge) =>
            new(new PaymentFact.Refunded(piId, e.Id, Money.FromCents(charge.AmountRefunded), charge.Currency ?? ""), ReloadIdOf(charge.Metadata), false),
        (EventTypes.ChargeDisputeCreated, Dispute { PaymentIntentId: { } piId } dispute) =>
            new(new PaymentFact.DisputeOpened(piId, e.Id, dispute.Id, Money.FromCents(dispute.Amount), dispute.Currency ?? ""), null, false),
        (EventTypes.ChargeDisputeClosed, Dispute { PaymentIntentId: { } piId } dispute) =>
            new(new PaymentFact.DisputeClosed(piId, e.Id, dispute.Id, Money.FromCents(dispute.Amount), dispute.Currency ?? "", dispute.Status ?? ""), null, false),
        _ => null,
    };

    /// <summary>Stripe's code for a refused payment; a decline for want of authentication reads as <c>authentication_required</c>.</summary>
    public static string? FailureCode(StripeError? error) =>
        error is null ? null
        : error.DeclineCode == "authentication_required" ? "authentication_required"
        : error.Code ?? error.DeclineCode;

    private static Guid? ReloadIdOf(IDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(ReloadMetadata.ReloadId, out var raw) && Guid.TryParse(raw, out var id) ? id : null;
}
