namespace CityPass.Host.Payments.Gateways;

/// <summary>A PaymentIntent as the payer's client needs it.</summary>
/// <param name="CheckoutUrl">Where to pay, for the sandbox; real Stripe is paid in the client with Stripe.js and the client secret.</param>
public sealed record CreatedPaymentIntent(string PaymentIntentId, string? ClientSecret, string? CheckoutUrl);

/// <summary>What the provider answered to a cancellation: canceled (now or before), or not any more cancelable.</summary>
/// <param name="Status">The PaymentIntent's status at the provider ("canceled", "succeeded", "processing"…).</param>
public sealed record PaymentIntentCancellation(bool Canceled, string Status);

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
}

/// <summary>The provider did not create the payment; nothing can be paid.</summary>
public sealed class PaymentGatewayException(string message, Exception? inner = null) : Exception(message, inner);
