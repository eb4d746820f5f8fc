using Stripe;

namespace CityPass.Host.Payments.Gateways;

/// <summary>
/// Stripe's API through Stripe.net. The idempotency key makes a retried creation return the same PaymentIntent, so a
/// timeout between us and Stripe never creates a second payment for one reload.
/// </summary>
public sealed class StripeGateway(IStripeClient client) : IPaymentGateway
{
    public string Provider => "stripe";

    public async Task<CreatedPaymentIntent> CreatePaymentIntentAsync(
        Money amount, string currency, IReadOnlyDictionary<string, string> metadata, string idempotencyKey, CancellationToken ct)
    {
        var options = new PaymentIntentCreateOptions
        {
            Amount = amount.Cents,
            Currency = currency,
            Metadata = metadata.ToDictionary(),
            Description = "CityPass card reload",
            AutomaticPaymentMethods = new PaymentIntentAutomaticPaymentMethodsOptions { Enabled = true },
        };
        try
        {
            var intent = await new PaymentIntentService(client).CreateAsync(options, new RequestOptions { IdempotencyKey = idempotencyKey }, ct);
            return new CreatedPaymentIntent(intent.Id, intent.ClientSecret, null);
        }
        catch (StripeException e)
        {
            throw new PaymentGatewayException($"Stripe refused to create the payment: {e.StripeError?.Message ?? e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new PaymentGatewayException($"Stripe could not be reached: {e.Message}", e);
        }
    }

    public async Task<PaymentIntentCancellation> CancelPaymentIntentAsync(
        string paymentIntentId, string idempotencyKey, CancellationToken ct)
    {
        try
        {
            var intent = await new PaymentIntentService(client).CancelAsync(paymentIntentId,
                new PaymentIntentCancelOptions { CancellationReason = "abandoned" },
                new RequestOptions { IdempotencyKey = idempotencyKey }, ct);
            return new PaymentIntentCancellation(intent.Status == "canceled", intent.Status);
        }
        catch (StripeException e) when (e.StripeError?.Code == "payment_intent_unexpected_state")
        {
            // Succeeded or processing (Stripe cancels neither), or canceled already.
            var status = e.StripeError.PaymentIntent?.Status ?? "unknown";
            return new PaymentIntentCancellation(status == "canceled", status);
        }
        catch (StripeException e)
        {
            throw new PaymentGatewayException($"Stripe refused to cancel the payment: {e.StripeError?.Message ?? e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new PaymentGatewayException($"Stripe could not be reached: {e.Message}", e);
        }
    }
}
