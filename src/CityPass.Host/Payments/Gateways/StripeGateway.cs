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

    public Task<string> CreateCustomerAsync(string accountId, string idempotencyKey, CancellationToken ct) =>
        CallAsync("create the customer", async () => (await new CustomerService(client).CreateAsync(
            new CustomerCreateOptions { Metadata = new() { ["citypass_account_id"] = accountId }, Description = "CityPass cardholder account" },
            new RequestOptions { IdempotencyKey = idempotencyKey }, ct)).Id);

    public Task<CreatedSetupIntent> CreateSetupIntentAsync(
        string customerId, IReadOnlyDictionary<string, string> metadata, string idempotencyKey, CancellationToken ct) =>
        CallAsync("create the SetupIntent", async () =>
        {
            var intent = await new SetupIntentService(client).CreateAsync(new SetupIntentCreateOptions
            {
                Customer = customerId,
                Usage = "off_session",
                Metadata = metadata.ToDictionary(),
            }, new RequestOptions { IdempotencyKey = idempotencyKey }, ct);
            return new CreatedSetupIntent(intent.Id, intent.ClientSecret, null);
        });

    public async Task<SetupIntentState?> GetSetupIntentAsync(string setupIntentId, CancellationToken ct)
    {
        try
        {
            var intent = await new SetupIntentService(client).GetAsync(setupIntentId, cancellationToken: ct);
            return new SetupIntentState(intent.Id, intent.Status, intent.CustomerId, intent.Usage, intent.PaymentMethodId);
        }
        catch (StripeException e) when (e.StripeError?.Code == "resource_missing")
        {
            return null;
        }
        catch (Exception e) when (e is StripeException or HttpRequestException)
        {
            throw new PaymentGatewayException($"Stripe could not read the SetupIntent: {(e as StripeException)?.StripeError?.Message ?? e.Message}", e);
        }
    }

    public async Task<OffSessionPayment> ChargeOffSessionAsync(
        Money amount, string currency, string customerId, string paymentMethodId, IReadOnlyDictionary<string, string> metadata,
        string idempotencyKey, CancellationToken ct)
    {
        var options = new PaymentIntentCreateOptions
        {
            Amount = amount.Cents,
            Currency = currency,
            Customer = customerId,
            PaymentMethod = paymentMethodId,
            OffSession = true,
            Confirm = true,
            Metadata = metadata.ToDictionary(),
            Description = "CityPass automatic card reload",
        };
        try
        {
            var intent = await new PaymentIntentService(client).CreateAsync(options, new RequestOptions { IdempotencyKey = idempotencyKey }, ct);
            return new OffSessionPayment(intent.Id, intent.Status, intent.ClientSecret, null, null);
        }
        catch (StripeException e) when (e.StripeError is { Type: "card_error" } error)
        {
            // The bank refused (declined, or asks for the holder's authentication): Stripe still created the PaymentIntent.
            return new OffSessionPayment(error.PaymentIntent?.Id, error.PaymentIntent?.Status ?? "requires_payment_method",
                error.PaymentIntent?.ClientSecret, Webhooks.StripeFacts.FailureCode(error) ?? "card_declined", error.Message);
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

    public async Task DetachPaymentMethodAsync(string paymentMethodId, string idempotencyKey, CancellationToken ct)
    {
        try
        {
            await new PaymentMethodService(client).DetachAsync(paymentMethodId, null, new RequestOptions { IdempotencyKey = idempotencyKey }, ct);
        }
        catch (StripeException e) when (e.StripeError?.Code == "resource_missing"
            || e.StripeError?.Message?.Contains("not attached", StringComparison.OrdinalIgnoreCase) == true)
        {
            // Already detached (or deleted): what removal wants.
        }
        catch (Exception e) when (e is StripeException or HttpRequestException)
        {
            throw new PaymentGatewayException($"Stripe could not detach the payment method: {(e as StripeException)?.StripeError?.Message ?? e.Message}", e);
        }
    }

    private static async Task<T> CallAsync<T>(string what, Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StripeException e)
        {
            throw new PaymentGatewayException($"Stripe refused to {what}: {e.StripeError?.Message ?? e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new PaymentGatewayException($"Stripe could not be reached: {e.Message}", e);
        }
    }
}
