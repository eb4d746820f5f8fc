using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CityPass.Domain.Payments;

namespace CityPass.IntegrationTests.Payments.Sandbox;

/// <summary>Without a Stripe key the sandbox stands in: its checkout page pays, and its signed events take the webhook's path.</summary>
[Collection(CityPassCollection.Name)]
public class SandboxCheckoutTests(CityPassHost host)
{
    private static FormUrlEncodedContent Form(string? clientSecret, string cardNumber) =>
        new(new Dictionary<string, string> { ["client_secret"] = clientSecret ?? "", ["card_number"] = cardNumber });

    [Fact]
    public async Task A_test_card_pays_on_the_checkout_page_and_the_card_is_credited_through_the_webhook()
    {
        var (http, _, card) = await host.CardholderWithCard(5_00);
        var reload = await http.StartedReload(card.Id, 20_00);
        Assert.Equal("sandbox", reload.Provider);
        Assert.StartsWith("pi_sandbox_", reload.PaymentIntentId);
        var browser = host.CreateClient();

        var page = await browser.GetAsync(reload.CheckoutUrl);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Matches("20,00[\u00a0\u202f ]€", await page.Content.ReadAsStringAsync()); // French first (issue 15)

        var paid = await browser.PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Form(reload.ClientSecret, "4242 4242 4242 4242"));
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);

        Assert.Equal(25_00, (await http.MyCard(card.Id)).BalanceCents);
        var after = await http.Reload(reload.Id);
        Assert.Equal((ReloadStatus.Credited, 20_00L), (after.Status, after.CreditedCents));
        Assert.Null(after.ClientSecret);

        var again = await browser.PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Form(reload.ClientSecret, "4242424242424242"));
        Assert.Contains("déjà payé", await again.Content.ReadAsStringAsync());
        Assert.Equal(25_00, (await http.MyCard(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task A_declined_test_card_fails_the_reload_and_another_card_can_still_pay_it()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 10_00);
        var browser = host.CreateClient();

        await browser.PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Form(reload.ClientSecret, "4000000000000002"));
        var failed = await http.Reload(reload.Id);
        Assert.Equal(ReloadStatus.Failed, failed.Status);
        Assert.Equal(0, (await http.MyCard(card.Id)).BalanceCents);

        await browser.PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Form(failed.ClientSecret, "4242424242424242"));
        Assert.Equal(10_00, (await http.MyCard(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task The_checkout_needs_the_payments_client_secret()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 10_00);
        var browser = host.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await browser.GetAsync($"/sandbox/checkout/{reload.PaymentIntentId}?client_secret=guess")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await browser.PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Form("guess", "4242424242424242"))).StatusCode);
        Assert.Equal(0, (await http.MyCard(card.Id)).BalanceCents);
    }

    [Fact]
    public async Task An_administrator_refunds_a_sandbox_payment_as_Stripe_would_and_the_value_is_taken_back()
    {
        var (http, _, card) = await host.CardholderWithCard();
        var reload = await http.StartedReload(card.Id, 30_00);
        await host.CreateClient().PostAsync($"/sandbox/checkout/{reload.PaymentIntentId}", Form(reload.ClientSecret, "4242424242424242"));

        Assert.Equal(HttpStatusCode.Forbidden, (await http.PostAsJsonAsync($"/sandbox/payments/{reload.PaymentIntentId}/refunds", new { amountCents = 10_00 })).StatusCode);
        var admin = await host.Administrator();
        var refunded = await admin.PostAsJsonAsync($"/sandbox/payments/{reload.PaymentIntentId}/refunds", new { amountCents = 10_00 });
        Assert.Equal("Applied", (await refunded.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("outcome").GetString());
        var disputed = await admin.PostAsJsonAsync($"/sandbox/payments/{reload.PaymentIntentId}/disputes", new { outcome = "won" });
        Assert.Equal(HttpStatusCode.OK, disputed.StatusCode);

        Assert.Equal(20_00, (await http.MyCard(card.Id)).BalanceCents);
        Assert.Equal(10_00, (await http.Reload(reload.Id)).TakenBackCents);
    }
}
