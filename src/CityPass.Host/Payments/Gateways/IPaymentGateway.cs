namespace CityPass.Host.Payments.Gateways;

/// <summary>A PaymentIntent as the payer's client needs it.</summary>
/// <param name="CheckoutUrl">Where to pay, for the sandbox; real Stripe is paid in the client with Stripe.js and the client secret.</param>
public sealed record CreatedPaymentIntent(string PaymentIntentId, string? ClientSecret, string? CheckoutUrl);

/// <summary>What the provider answered to a cancellation: canceled (now or before), or not any more cancelable.</summary>
/// <param name="Status">The PaymentIntent's status at the provider ("canceled", "succeeded", "processing"…).</param>
public sealed record PaymentIntentCancellation(bool Canceled, string Status);

/// <summary>A SetupIntent (usage off_session) the holder confirms in their client to save a payment method.</summary>
/// <param name="CheckoutUrl">Sandbox only: the page where a test card is saved.</param>
public sealed record CreatedSetupIntent(string SetupIntentId, string? ClientSecret, string? CheckoutUrl);

/// <summary>A SetupIntent as the provider holds it: whose it is, whether it succeeded, and the payment method it saved.</summary>
public sealed record SetupIntentState(string SetupIntentId, string Status, string? CustomerId, string? Usage, string? PaymentMethodId);

/// <summary>What the provider answered to an off-session payment: its PaymentIntent and status, or why the bank refused it.</summary>
/// <param name="PaymentIntentId">Null only when the provider refused before creating one.</param>
/// <param name="FailureCode">Null on success or while processing; <c>authentication_required</c>, <c>card_declined</c>… otherwise.</param>
public sealed record OffSessionPayment(string? PaymentIntentId, string Status, string? ClientSecret, string? FailureCode, string? FailureMessage);

/// <summary>Creates payments at the provider: Stripe, or the sandbox that stands in for it.</summary>
public interface IPaymentGateway
{
    /// <summary>"stripe" or "sandbox": the code of the <see cref="Domain.Cards.LoadSource"/> of the card's ValueLoaded.</summary>
    string Provider { get; }

    /// <summary>Creates (or, for the same <paramref name="idempotencyKey"/>, finds again) the PaymentIntent of a reload.</summary>
    Task<CreatedPaymentIntent> CreatePaymentIntentAsync(
        Money amount, string currency, IReadOnlyDictionary<string, string> metadata, string idempotencyKey, CancellationToken ct);

    /// <summary>
    /// Cancels a PaymentIntent nobody paid, so that it can no longer be paid. A PaymentIntent already paid (or being paid)
    /// is not canceled: its success reaches the webhook and is credited.
    /// </summary>
    Task<PaymentIntentCancellation> CancelPaymentIntentAsync(string paymentIntentId, string idempotencyKey, CancellationToken ct);

    /// <summary>Creates (or, for the same key, finds again) the provider's customer of a cardholder account; its id.</summary>
    Task<string> CreateCustomerAsync(string accountId, string idempotencyKey, CancellationToken ct);

    /// <summary>A SetupIntent with <c>usage=off_session</c> for the customer: confirming it saves a method we may charge later.</summary>
    Task<CreatedSetupIntent> CreateSetupIntentAsync(
        string customerId, IReadOnlyDictionary<string, string> metadata, string idempotencyKey, CancellationToken ct);

    /// <summary>The SetupIntent as the provider holds it, or null when it does not exist.</summary>
    Task<SetupIntentState?> GetSetupIntentAsync(string setupIntentId, CancellationToken ct);

    /// <summary>
    /// Creates and confirms, off-session, the PaymentIntent of an automatic reload with the customer's saved method (or, for
    /// the same key, finds the same one again). A bank's refusal is an answer (<see cref="OffSessionPayment.FailureCode"/>),
    /// not an exception; only an unreachable or refusing provider throws <see cref="PaymentGatewayException"/>.
    /// </summary>
    Task<OffSessionPayment> ChargeOffSessionAsync(
        Money amount, string currency, string customerId, string paymentMethodId, IReadOnlyDictionary<string, string> metadata,
        string idempotencyKey, CancellationToken ct);

    /// <summary>Detaches a saved payment method from its customer: it can no longer be charged. Detaching it again is not an error.</summary>
    Task DetachPaymentMethodAsync(string paymentMethodId, string idempotencyKey, CancellationToken ct);
}

/// <summary>The provider did not create the payment; nothing can be paid.</summary>
public sealed class PaymentGatewayException(string message, Exception? inner = null) : Exception(message, inner);
