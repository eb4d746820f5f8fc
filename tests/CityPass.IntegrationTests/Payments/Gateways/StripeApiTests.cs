using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Domain.Payments;
using Stripe;

namespace CityPass.IntegrationTests.Payments.Gateways;

[Collection(StripeApiCollection.Name)]
public class StripeApiTests(StripeApiHost host)
{
    [Fact]
    public async Task A_reload_creates_its_PaymentIntent_through_StripeClient_with_an_idempotency_key_and_is_credited_by_the_webhook()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var before = host.Stripe.Requests.Count;

        var reload = await http.StartedReload(card.Id, 20_00);

        var sent = Assert.Single(host.Stripe.Requests.Skip(before));
        Assert.Equal($"citypass-reload-{reload.Id}", sent.IdempotencyKey);
        Assert.Equal(StripeConfiguration.ApiVersion, sent.StripeVersion);
        Assert.Equal("Bearer sk_test_citypass_stub", sent.Authorization);
        Assert.Equal(("2000", "eur", reload.Id.ToString(), card.Id.ToString()),
            (sent.Form["amount"], sent.Form["currency"], sent.Form["metadata[citypass_reload_id]"], sent.Form["metadata[citypass_card_id]"]));
        Assert.Equal(("stripe", ReloadStatus.AwaitingPayment), (reload.Provider, reload.Status));
        Assert.Equal($"{reload.PaymentIntentId}_secret_stub", reload.ClientSecret);
        Assert.Null(reload.CheckoutUrl);

        await host.PostStripeEvent(StripeEvents.Succeeded(reload.PaymentIntentId!, reload.Id, 20_00));

        Assert.Equal(20_00, (await http.MyCard(card.Id)).BalanceCents);
        Assert.Equal("stripe", Assert.Single(await host.CreateClient().History(card.Id), l => l.Kind == "loaded").Detail);
    }

    [Fact]
    public async Task A_payment_Stripe_refuses_to_create_abandons_the_reload_and_releases_its_reservation()
    {
        var (http, _, card) = await host.CardholderWithCard();
        host.Stripe.FailingAmounts[66_66] = true;

        var response = await http.SendAsync(Cardholders.ReloadRequest(card.Id, 66_66, Guid.NewGuid().ToString()));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var reload = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reload");
        Assert.Equal("Abandoned", reload.GetProperty("status").GetString());
        Assert.Equal(0, (await http.MyCard(card.Id)).ReservedCents);
    }

    [Fact]
    public async Task The_expiry_cancels_an_unpaid_PaymentIntent_with_an_idempotency_key_and_leaves_one_Stripe_already_paid_to_the_webhook()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var abandoned = await http.StartedReload(card.Id, 10_00);
        var paidMeanwhile = await http.StartedReload(card.Id, 20_00);
        host.Stripe.Succeeded[paidMeanwhile.PaymentIntentId!] = true;
        var before = host.Stripe.Requests.Count;

        host.Clock.Advance(NodaTime.Duration.FromHours(25));
        await host.ExpireUnpaidReloads();

        var sent = host.Stripe.Requests.Skip(before).ToList();
        var cancel = Assert.Single(sent, r => r.Path == $"/v1/payment_intents/{abandoned.PaymentIntentId}/cancel");
        Assert.Equal(($"citypass-reload-cancel-{abandoned.Id}", "abandoned"), (cancel.IdempotencyKey, cancel.Form["cancellation_reason"]));
        Assert.All(sent, r => Assert.False(string.IsNullOrEmpty(r.IdempotencyKey)));
        Assert.Equal(ReloadStatus.Canceled, (await http.Reload(abandoned.Id)).Status);
        Assert.Equal(ReloadStatus.AwaitingPayment, (await http.Reload(paidMeanwhile.Id)).Status);

        await host.PostStripeEvent(StripeEvents.Succeeded(paidMeanwhile.PaymentIntentId!, paidMeanwhile.Id, 20_00));
        var after = await http.MyCard(card.Id);
        Assert.Equal((20_00L, 0L), (after.BalanceCents, after.ReservedCents));
    }

    [Fact]
    public async Task With_a_Stripe_key_the_sandbox_checkout_does_not_exist()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await host.CreateClient().GetAsync("/sandbox/checkout/pi_x?client_secret=y")).StatusCode);
    }
}
