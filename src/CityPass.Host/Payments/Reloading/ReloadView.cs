using CityPass.Domain.Payments;

namespace CityPass.Host.Payments.Reloading;

/// <summary>A reload as its cardholder (and finance) sees it.</summary>
/// <param name="ClientSecret">While the reload can be paid: what Stripe.js needs to confirm the payment.</param>
/// <param name="CheckoutUrl">Sandbox only: the page where a test card pays.</param>
/// <param name="Automatic">Started by automatic reloading and paid off-session with the saved method.</param>
public sealed record ReloadView(
    Guid Id,
    Guid CardId,
    long AmountCents,
    string Currency,
    string Provider,
    ReloadStatus Status,
    string? PaymentIntentId,
    string? ClientSecret,
    string? CheckoutUrl,
    long? PaidCents,
    string? PaidCurrency,
    long CreditedCents,
    long RefundedCents,
    long TakenBackCents,
    IReadOnlyList<ReloadDispute> Disputes,
    IReadOnlyList<ReloadFlag> Flags,
    string? FailureReason,
    Instant RequestedAt,
    Instant LastChangedAt,
    bool Automatic = false)
{
    public static ReloadView From(Reload r, string? checkoutUrl = null)
    {
        var payable = r.Status is ReloadStatus.AwaitingPayment or ReloadStatus.Failed;
        return new(r.Id, r.CardId, r.Amount.Cents, r.Currency, r.Provider, r.Status, r.PaymentIntentId,
            payable ? r.ClientSecret : null,
            payable && r.Provider == "sandbox" && r.PaymentIntentId is { } pi ? Sandbox.SandboxCheckout.UrlFor(pi, r.ClientSecret) : checkoutUrl,
            r.PaidAmount?.Cents, r.PaidCurrency, r.Credited.Cents, r.RefundedTotal.Cents, r.TakenBack.Cents,
            r.Disputes.Values.OrderBy(d => d.Id).ToList(), r.Flags, r.FailureReason, r.RequestedAt, r.LastChangedAt, r.Automatic);
    }
}
